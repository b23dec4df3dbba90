// The benchmarks page's "Errors (by class)" cell leaves out the same success classes the server counts successes in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsByClassText, SUCCESS_CLASSES as SITE_SUCCESS_CLASSES } from '../../site/src/lib/benchmarks/errors-by-class.js';
import { outcomeOf, SUCCESS_CLASSES } from '../../playground-server/loadgen/result.js';
import { grpcCodeStatus, healthStatus } from '../../playground-server/loadgen/grpc-client.js';

test('the site and the server agree on which classes are successes', () => {
  assert.deepEqual([...SITE_SUCCESS_CLASSES].sort(), [...SUCCESS_CLASSES].sort());
});

test('gRPC runs: errors by gRPC status name, OK and SERVING not among them; HTTP runs by status class', () => {
  const summary = (statusCodes: Record<string, number>, wire?: Parameters<typeof outcomeOf>[0]['wire']) => {
    // As session-benchmark.ts summaryOf puts the outcome in the summary the page reads.
    const o = outcomeOf({ statusCodes, errors: { protocol: 1 }, wire });
    return { errors: o.errors, errorsByClass: o.byClass, transportErrors: o.transport } as Parameters<typeof errorsByClassText>[0];
  };
  const ping = { protocol: 'grpc', streamsPerConnection: 1, grpcMethod: '/fgrpc.PingServer/Ping' } as const;
  assert.equal(errorsByClassText(summary({ 200: 5, [grpcCodeStatus(12)]: 3, [grpcCodeStatus(14)]: 2 }, ping)), '6: UNIMPLEMENTED 3, UNAVAILABLE 2, protocol 1');
  const health = { protocol: 'grpc', streamsPerConnection: 1, grpcMethod: '/grpc.health.v1.Health/Check' } as const;
  assert.equal(errorsByClassText(summary({ 200: 5, [healthStatus(2)]: 4 }, health)), '5: NOT_SERVING 4, protocol 1');
  assert.equal(errorsByClassText(summary({ 200: 5, 503: 2 })), '3: 5xx 2, protocol 1');
  assert.equal(errorsByClassText(null), '—');
});
