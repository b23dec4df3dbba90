// Every lesson check the server offers, registered in one place (one line per family of checks).
import type { PlaygroundStore } from '../storage/store.js';
import { registerBuiltinChecks } from './builtin-checks.js';
import { registerLessonChecks } from './lesson-checks.js';
import { registerObservabilityChecks } from './observability-checks.js';
import { CheckRegistry } from './registry.js';

export function allLessonChecks(store: PlaygroundStore): CheckRegistry {
  const registry = new CheckRegistry();
  registerBuiltinChecks(registry);
  registerLessonChecks(registry, store);
  registerObservabilityChecks(registry);
  return registry;
}
