// runConformance: the conformance runner in session mode, in the learner's namespace and with the learner's own
// Kubernetes credentials (the session's ServiceAccount token, as every session op uses), one run per session,
// progress streamed, everything it applied deleted at the end — also when it fails, is cancelled or the session ends.
// The terminal's `conformance` built-in is the same run (the conformance lesson runs it from a ```sh run block);
// each finished run is remembered for the `conformance-run` lesson check (conformance/session-runs.ts).
import type { Dispatcher } from '../api/dispatcher.js';
import { conflict } from '../api/errors.js';
import type { Schemas } from '../api/types.js';
import { PROFILE_NAMES, SANDBOX_SUPPORTED_FEATURES, type ProfileName } from '../conformance/features.js';
import { MESH_CONFORMANCE_TESTS } from '../conformance/mesh-tests.js';
import type { ProgressEvent } from '../conformance/results.js';
import { resultsTable } from '../conformance/results-table.js';
import { runConformance } from '../conformance/run-conformance.js';
import { recordConformanceRun } from '../conformance/session-runs.js';
import { SessionConformanceCluster } from '../conformance/session-cluster.js';
import { sessionSkipReason } from '../conformance/session-scope.js';
import type { ActiveSession } from '../sessions/active-session.js';
import type { Builtin } from '../terminal/builtins.js';
import { sessionOf, type OpDeps } from './deps.js';

/** Sessions with a run in progress. */
const running = new WeakSet<ActiveSession>();

/** MeshConsumerRoute and any test that needs a second namespace: skipped in a session, with the reason. */
const SESSION_UNAVAILABLE = new Map(MESH_CONFORMANCE_TESTS.flatMap((t) => {
  const reason = sessionSkipReason(t);
  return reason ? [[t.shortName, reason] as const] : [];
}));

const TEST_NAMES = new Set<string>([...MESH_CONFORMANCE_TESTS.map((t) => t.shortName), 'traffic-access', 'traffic-spec', 'traffic-split']);

async function runInSession(
  deps: OpDeps,
  session: ActiveSession,
  body: Schemas['RunConformanceRequest'],
  signal: AbortSignal,
  progress: (e: ProgressEvent) => void,
): Promise<{ result: Schemas['ConformanceRun']; table: string }> {
  if (running.has(session)) throw conflict('ConformanceRunning', 'a conformance run is already in progress in this session; one run at a time per session (cancel it or wait)', { limit: 'concurrentRuns', value: 1 });
  running.add(session);
  const abort = new AbortController();
  const stop = () => abort.abort();
  signal.addEventListener('abort', stop, { once: true });
  session.signal.addEventListener('abort', stop, { once: true });
  const cluster = SessionConformanceCluster.forSession(session.kubeconfig(), session.namespace);
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
          progress,
        });
      } finally {
        progress({ type: 'phase', message: `deleting what the run applied in ${session.namespace}` });
        await cluster.cleanUp().catch((err: unknown) => deps.log.warn({ err, namespace: session.namespace }, 'conformance clean-up failed'));
      }
    })();
    const result: Schemas['ConformanceRun'] = { namespace: session.namespace, results: run.results, ...(run.report ? { report: JSON.parse(JSON.stringify(run.report)) as Record<string, unknown> } : {}) };
    if (!abort.signal.aborted) recordConformanceRun(session.id, { finishedAt: new Date().toISOString(), profiles, results: result.results });
    return { result, table: resultsTable(run.results, run.report) };
  } finally {
    signal.removeEventListener('abort', stop);
    session.signal.removeEventListener('abort', stop);
    cluster.close();
    running.delete(session);
  }
}

const USAGE = 'usage: conformance [--profile MESH-HTTP|MESH-GRPC|SMI]... [--only TEST[,TEST...]] (e.g. conformance --profile MESH-HTTP --only MeshBasic,MeshHTTPRouteWeight)';

/** `conformance [--profile P]... [--only A,B]`: the same run as the API's, its progress and results table as text. */
function conformanceBuiltin(deps: OpDeps): Builtin {
  return async (args, { session, out, signal }) => {
    const profiles: string[] = [];
    const only: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const value = args[i + 1];
      if ((a === '--profile' || a === '--only') && value === undefined) {
        await out.line('stderr', `${a} needs a value; ${USAGE}`);
        return { exitCode: 2 };
      }
      if (a === '--profile') profiles.push(...args[++i].split(','));
      else if (a === '--only') only.push(...args[++i].split(','));
      else {
        await out.line('stderr', `conformance: unsupported argument ${a.slice(0, 40)}; ${USAGE}`);
        return { exitCode: 2 };
      }
    }
    const badProfile = profiles.find((p) => !(PROFILE_NAMES as readonly string[]).includes(p));
    const badTest = only.find((t) => !TEST_NAMES.has(t));
    if (badProfile || badTest || profiles.length > 3 || only.length > 64) {
      await out.line('stderr', `conformance: ${badProfile ? `no profile "${badProfile.slice(0, 40)}" (${PROFILE_NAMES.join(', ')})` : badTest ? `no test "${badTest.slice(0, 80)}" (the conformance page lists them)` : 'too many profiles or tests'}`);
      return { exitCode: 2 };
    }
    const body: Schemas['RunConformanceRequest'] = {
      ...(profiles.length ? { profiles: [...new Set(profiles)] as Schemas['RunConformanceRequest']['profiles'] } : {}),
      ...(only.length ? { only: [...new Set(only)] as Schemas['RunConformanceRequest']['only'] } : {}),
    };
    const { result, table } = await runInSession(deps, session, body, signal, (e) => {
      // Tests left out by --only end at once as skipped: the table at the end lists them, the progress does not.
      if (e.type === 'test-end' && e.result.outcome !== 'skipped') void out.line('stdout', `[${e.index + 1}/${e.total}] ${e.result.name} ${e.result.outcome}${e.result.outcome === 'passed' ? '' : `: ${e.result.reason.replace(/\s+/g, ' ').slice(0, 160)}`}`);
      else if (e.type === 'phase') void out.line('stderr', e.message);
    });
    await out.write('stdout', `\n${table}`);
    return { exitCode: result.results.some((r) => r.outcome === 'failed') ? 1 : 0 };
  };
}

export function registerConformanceOps(d: Dispatcher, deps: OpDeps): Record<string, Builtin> {
  d.register('runConformance', async (params, ctx) => {
    const session = sessionOf(ctx);
    const body = (params ?? {}) as Schemas['RunConformanceRequest'];
    return (await runInSession(deps, session, body, ctx.signal, (e) => void ctx.emit(e))).result;
  });
  return { conformance: conformanceBuiltin(deps) };
}
