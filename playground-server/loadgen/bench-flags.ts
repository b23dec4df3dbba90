// Command-line rules shared by `playground bench <url>` and `playground bench --mesh-overhead`: every bad
// flag is a UsageError (exit 2) whose message names the flag, and the load engine's own limits are checked
// before anything starts.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LoadOptionsError, parseDuration } from './options.js';

/** A bad command line: the command prints the message and the help hint, and exits 2. */
export class UsageError extends Error {}

/** parseArgs, strict, positionals allowed; its messages name the flag ("Unknown option '--rsp'"), `hint` is appended. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, hint?: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true as const, strict: true as const, options });
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(hint ? `${message}; ${hint}` : message);
  }
}

/** The flags every bench command takes (one grammar): the load's shape, the output format, help. */
export const LOAD_FLAGS = {
  rps: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string', short: 'c' },
  warmup: { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export interface LoadFlagValues {
  rps?: string;
  duration?: string;
  connections?: string;
  warmup?: string;
  timeout?: string;
}

/** The load flags, validated; each undefined when absent (the command's default applies), rps `rpsDefault`. */
export interface LoadFlags {
  rps: number | null;
  durationMs?: number;
  warmupMs?: number;
  timeoutMs?: number;
  connections?: number;
}

export function parseLoadFlags(values: LoadFlagValues, rpsDefault: number | null, rpsTooLowHint = ''): LoadFlags {
  return {
    rps: parseRps(values.rps, rpsDefault, rpsTooLowHint),
    durationMs: parseDurationFlag(values.duration, '--duration', false),
    warmupMs: parseDurationFlag(values.warmup, '--warmup', true),
    timeoutMs: parseDurationFlag(values.timeout, '--timeout', false),
    connections: parseCount(values.connections, '--connections'),
  };
}

/** --rps: a number > 0, or "max" (closed model, null); `fallback` when absent. */
export function parseRps(value: string | undefined, fallback: number | null, tooLowHint = ''): number | null {
  if (value === undefined) return fallback;
  if (value === 'max') return null;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--rps must be a number or "max" (got "${value}")`);
  if (n <= 0) throw new UsageError(`--rps must be > 0 (got ${value})${tooLowHint}`);
  return n;
}

/** A whole-number flag (connections, workers); undefined when absent. */
export function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a positive integer (got "${value}")`);
  return Number(value);
}

/** A duration flag in ms (10s, 500ms, 1m30s); a bare 0 is zero. Zero is refused unless `zeroOk`; undefined when absent. */
export function parseDurationFlag(value: string | undefined, flag: string, zeroOk: boolean): number | undefined {
  if (value === undefined) return undefined;
  let ms: number;
  if (/^0+(\.0+)?$/.test(value)) ms = 0;
  else {
    try {
      ms = parseDuration(value, flag);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  if (ms === 0 && !zeroOk) throw new UsageError(`${flag} must be > 0`);
  return ms;
}

/** --format: one of `formats`, the first when absent. */
export function parseFormat<F extends string>(value: string | undefined, formats: readonly [F, ...F[]]): F {
  const format = (value ?? formats[0]) as F;
  if (!formats.includes(format)) throw new UsageError(`--format must be one of ${formats.join(', ')} (got "${value}")`);
  return format;
}

/** Runs the engine's own checks (resolveOptions and the like): their errors name the field, as a flag. */
export function withinLoadLimits<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof LoadOptionsError) throw new UsageError(`--${err.message}`);
    throw err;
  }
}

/** Prints a usage error the way every bench command does and returns its exit code (2). */
export function reportUsageError(stderr: NodeJS.WritableStream, err: UsageError, helpCommand: string): number {
  stderr.write(`playground bench: ${err.message}\nRun '${helpCommand}' for the flags.\n`);
  return 2;
}
