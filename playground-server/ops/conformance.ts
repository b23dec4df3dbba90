// runConformance: the conformance runner in session mode, in the learner's namespace and with the learner's own
// Kubernetes credentials (the session's ServiceAccount token, as every session op uses), one run per session,
// progress streamed, everything it applied deleted at the end — also when it fails, is cancelled or the session ends.
import type { Dispatcher } from '../api/dispatcher.js';
import { conflict } from '../api/errors.js';
import type { Schemas } from '../api/types.js';
import { PROFILE_NAMES, SANDBOX_SUPPORTED_FEATURES, type ProfileName } from '../conformance/features.js';
import { MESH_CONFORMANCE_TESTS } from '../conformance/mesh-tests.js';
import type { ProgressEvent } from '../conformance/results.js';
import { runConformance } from '../conformance/run-conformance.js';
import { SessionConformanceCluster } from '../conformance/session-cluster.js';
import { sessionSkipReason } from '../conformance/session-scope.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { sessionOf, type OpDeps } from './deps.js';

/** Sessions with a run in progress. */
const running = new WeakSet<ActiveSession>();

/** MeshConsumerRoute and any test that needs a second namespace: skipped in a session, with the reason. */
const SESSION_UNAVAILABLE = new Map(MESH_CONFORMANCE_TESTS.flatMap((t) => {
  const reason = sessionSkipReason(t);
  return reason ? [[t.shortName, reason] as const] : [];
}));

export function registerConformanceOps(d: Dispatcher, deps: OpDeps): void {
  d.register('runConformance', async (params, ctx) => {
    const session = sessionOf(ctx);
    if (running.has(session)) throw conflict('ConformanceRunning', 'a conformance run is already in progress in this session; one run at a time per session (cancel it or wait)', { limit: 'concurrentRuns', value: 1 });
    running.add(session);
    const abort = new AbortController();
    const stop = () => abort.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    session.signal.addEventListener('abort', stop, { once: true });
    const cluster = SessionConformanceCluster.forSession(session.kubeconfig(), session.namespace);
    const body = (params ?? {}) as Schemas['RunConformanceRequest'];
    try {
      const profiles = (body.profiles ?? PROFILE_NAMES) as ProfileName[];
      const run = await (async () => {
        try {
          return await runConformance(cluster, {
            profiles,
            only: new Set(body.only ?? []),
            skip: new Set(),
            unavailable: SESSION_UNAVAILABLE,
            supportedFeatures: new Set(SANDBOX_SUPPORTED_FEATURES),
            keep: false,
            signal: abort.signal,
            progress: (e: ProgressEvent) => void ctx.emit(e),
          });
        } finally {
          void ctx.emit({ type: 'phase', message: `deleting what the run applied in ${session.namespace}` });
          await cluster.cleanUp().catch((err: unknown) => deps.log.warn({ err, namespace: session.namespace }, 'conformance clean-up failed'));
        }
      })();
      const result: Schemas['ConformanceRun'] = { namespace: session.namespace, results: run.results, ...(run.report ? { report: JSON.parse(JSON.stringify(run.report)) as Record<string, unknown> } : {}) };
      return result;
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      session.signal.removeEventListener('abort', stop);
      cluster.close();
      running.delete(session);
    }
  });
}
