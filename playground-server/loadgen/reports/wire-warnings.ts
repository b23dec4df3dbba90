// What an HTTP/2 or gRPC run's failures say about the target: a gRPC call answered with a plain HTTP status, an
// HTTP/2 answer without a grpc-status, or every connection reset before any answer mean the target does not speak
// the protocol asked for — not that it is slow. Said in words next to the numbers, so a run against the wrong kind
// of target reads as that and not as a 0% success rate to puzzle over. A gRPC run's failed calls are named by their
// gRPC status too (the status counts hold them as pseudo-statuses, grpc-client.ts).
import { grpcOutcomeName, isGrpcPseudoStatus, GRPC_HEALTH_CHECK, GRPC_OK_STATUS } from '../grpc-client.js';
import type { LoadResult } from '../result.js';

/** Failures without a response that an HTTP/1.1-only (or non-HTTP) server causes when spoken to in HTTP/2. */
const WRONG_PROTOCOL_KINDS = ['reset', 'closed', 'protocol'] as const;

const tally = (entries: [string, number][]): string => entries.map(([k, n]) => `${k} ×${n}`).join(', ');

/** Warnings for an h2/grpc run whose outcomes show the target does not speak its protocol; none for HTTP/1.1. */
export function wireWarnings(r: Pick<LoadResult, 'wire' | 'statusCodes' | 'errors' | 'responses'>): string[] {
  const wire = r.wire;
  if (!wire) return [];
  const warnings: string[] = [];
  const codes = Object.entries(r.statusCodes).filter(([, n]) => n > 0);
  if (wire.protocol === 'grpc') {
    // A gRPC server answers HTTP 200 and puts the outcome in grpc-status; any other HTTP status came from something else.
    const http = codes.filter(([c]) => Number(c) !== GRPC_OK_STATUS && !isGrpcPseudoStatus(Number(c)));
    if (http.length) {
      warnings.push(`not gRPC: ${http.reduce((a, [, n]) => a + n, 0)} call(s) got a plain HTTP status (${tally(http.map(([c, n]) => [`HTTP ${c}`, n]))}) and no grpc-status — the target (or a proxy on the way) answered as an HTTP server, not a gRPC one. gRPC needs a gRPC server, behind a Service port named grpc or http2 (an http port gets HTTP/1.1 through the sidecars)`);
    }
    const failed = codes.filter(([c]) => isGrpcPseudoStatus(Number(c)));
    const health = wire.grpcMethod === undefined || wire.grpcMethod === GRPC_HEALTH_CHECK;
    if (failed.length) warnings.push(`gRPC calls failed with ${tally(failed.map(([c, n]) => [grpcOutcomeName(Number(c), health), n]))} (${wire.grpcMethod ?? GRPC_HEALTH_CHECK})`);
    if ((r.errors.protocol ?? 0) > 0) warnings.push(`not gRPC: ${r.errors.protocol} answer(s) had no grpc-status${health ? ' or no health-check response' : ''} — the target speaks HTTP/2 but did not answer as a gRPC server`);
  }
  const wrong = WRONG_PROTOCOL_KINDS.filter((k) => (r.errors[k] ?? 0) > 0);
  if (r.responses === 0 && wrong.length && !(wire.protocol === 'grpc' && wrong.length === 1 && wrong[0] === 'protocol')) {
    warnings.push(`no answer over HTTP/2 (${tally(wrong.map((k) => [k, r.errors[k] ?? 0]))}): does the target speak HTTP/2 without TLS (h2c)? A server that speaks only HTTP/1.1 drops an HTTP/2 connection; through the sidecars, a Service port named http gets HTTP/1.1 from the mesh`);
  }
  return warnings;
}
