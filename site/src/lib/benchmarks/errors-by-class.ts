// The "Errors (by class)" cell of the benchmarks page. The server classes responses (playground-server/loadgen/
// result.ts outcomeOf / outcomeClassOf); the site may import only generated artefacts from outside site/, so the
// success classes are listed here too, and test/site/benchmark-errors.test.ts holds the two lists equal.
import type { Schemas } from '../../../../openapi/types.ts';

/** The classes successes are counted in: 2xx (wrk's 1xx-3xx) for HTTP, OK (SERVING for the health check) for gRPC. */
export const SUCCESS_CLASSES: readonly string[] = ['2xx', '1xx-3xx', 'OK', 'SERVING'];

/**
 * '400: 5xx 400', '3: UNIMPLEMENTED 3' — failed requests by status class (gRPC: by status name; every class but a
 * success one) and by failure without a response ('—' before a result, or when the source did not carry errors).
 */
export function errorsByClassText(s: Schemas['BenchmarkSummary'] | null | undefined): string {
  if (!s || s.errors === null) return '—';
  const parts = [
    ...Object.entries(s.errorsByClass ?? {}).filter(([k]) => !SUCCESS_CLASSES.includes(k)).map(([k, v]) => `${k} ${v}`),
    ...Object.entries(s.transportErrors ?? {}).map(([k, v]) => `${k} ${v}`),
  ];
  return parts.length ? `${s.errors}: ${parts.join(', ')}` : String(s.errors);
}
