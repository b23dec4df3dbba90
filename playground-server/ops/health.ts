// The server's own health: liveness, readiness (cluster answers, store open) and Prometheus metrics.
import { RawResult, type Dispatcher } from '../api/dispatcher.js';
import { ApiError, toApiError } from '../api/errors.js';
import type { OpDeps } from './deps.js';

export function registerHealthOps(d: Dispatcher, deps: OpDeps): void {
  d.register('healthz', async () => ({ status: 'ok' as const }));

  d.register('readyz', async () => {
    const checks: Record<string, string> = {};
    await deps.cluster.admin.json({ path: '/version', timeoutMs: 5000 }).then(
      () => (checks.cluster = 'ok'),
      (err: unknown) => {
        // The check names the failure, not the API server's address (that goes to the log).
        deps.log.warn({ err: (err as { cause?: Error }).cause?.message ?? (err as Error).message }, 'readiness: the cluster is not answering');
        checks.cluster = toApiError(err).message;
      },
    );
    await deps.store.ping().then(
      () => (checks.store = 'ok'),
      (err: Error) => (checks.store = err.message),
    );
    if (Object.values(checks).every((v) => v === 'ok')) return { status: 'ok' as const, checks };
    throw new ApiError(503, 'NotReady', `not ready: ${Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k}: ${v}`).join('; ')}`, { checks });
  });

  d.register('getMetrics', async () => new RawResult('text/plain; version=0.0.4; charset=utf-8', await deps.metrics.exposition()));
}
