// The load-generator extension point (as Meshery's): every engine turns the same options into the same
// LoadResult. The built-in engine is the default; wrk and hey are adapters used when installed.
import type { RunHooks } from './coordinator.js';
import type { LoadTestOptions } from './options.js';
import type { LoadResult } from './result.js';
import { builtinEngine } from './engines/builtin.js';
import { heyEngine } from './engines/hey.js';
import { wrkEngine } from './engines/wrk.js';

export type Availability = { available: true } | { available: false; reason: string };

export interface LoadEngine {
  readonly name: string;
  /** Whether the engine can run here (e.g. its binary is installed), and if not, why. */
  availability(): Promise<Availability>;
  /** Why these options cannot run on this engine, or null when they can. */
  unsupported(options: LoadTestOptions): string | null;
  run(options: LoadTestOptions, hooks?: RunHooks): Promise<LoadResult>;
}

export const ENGINES: Readonly<Record<string, LoadEngine>> = Object.freeze({
  builtin: builtinEngine,
  wrk: wrkEngine,
  hey: heyEngine,
});

export function getEngine(name: string): LoadEngine {
  const engine = ENGINES[name];
  if (!engine) throw new Error(`unknown engine "${name}" (known: ${Object.keys(ENGINES).join(', ')})`);
  return engine;
}
