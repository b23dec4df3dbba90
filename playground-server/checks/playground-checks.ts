// Checks for the playground's own lessons (getting started, benchmarking, conformance): each verifies something
// the learner did — scaled a Deployment and got a sidecar in every new pod, ran the benchmark runs a step asks for
// (read from the results store, as the benchmarks page shows them), ran the conformance suite and what came out.
import { lastConformanceRun } from '../conformance/session-runs.js';
import type { Schemas } from '../api/types.js';
import type { PlaygroundStore } from '../storage/store.js';
import type { CheckRegistry, LessonCheck } from './registry.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
/** Sidecar container names: the sandbox's, Istio's and Linkerd's (so the check reads a real mesh's pods too). */
const SIDECAR_CONTAINERS = ['mesh-proxy', 'istio-proxy', 'linkerd-proxy'];

interface PodLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { containers?: { name: string }[]; initContainers?: { name: string; restartPolicy?: string }[] };
  status?: { phase?: string; containerStatuses?: { ready?: boolean }[] };
}
interface DeploymentLike {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
}

const meshedReplicas: LessonCheck<{ deployment: string; replicas: number }> = {
  name: 'meshed-replicas',
  title: 'A Deployment runs N meshed pods',
  description: 'The Deployment asks for `replicas` pods and that many are running and ready, each with a sidecar proxy container (mesh-proxy, istio-proxy or linkerd-proxy).',
  args: {
    type: 'object',
    required: ['deployment', 'replicas'],
    properties: { deployment: { type: 'string', pattern: DNS_LABEL }, replicas: { type: 'integer', minimum: 1, maximum: 10 } },
    additionalProperties: false,
  },
  async run({ session, signal }, { deployment, replicas }) {
    const ns = session.namespace;
    const d = await session.kube.json<DeploymentLike>({ path: `/apis/apps/v1/namespaces/${ns}/deployments/${deployment}`, signal }).catch(() => undefined);
    if (!d) return { passed: false, hint: `there is no Deployment "${deployment}" (kubectl get deployments)` };
    const want = d.spec?.replicas ?? 1;
    if (want !== replicas) return { passed: false, hint: `${deployment} asks for ${want} replica${want === 1 ? '' : 's'}; scale it to ${replicas} (kubectl scale deployment ${deployment} --replicas=${replicas})`, details: { replicas: want } };
    const selector = Object.entries(d.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await session.kube.json<{ items: PodLike[] }>({ path: `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`, signal });
    const live = pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running');
    const ready = live.filter((p) => (p.status?.containerStatuses ?? []).length > 0 && p.status!.containerStatuses!.every((c) => c.ready));
    const names = (p: PodLike) => [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')].map((c) => c.name);
    const unmeshed = ready.filter((p) => !names(p).some((n) => SIDECAR_CONTAINERS.includes(n))).map((p) => p.metadata.name);
    if (ready.length < replicas) return { passed: false, hint: `${ready.length} of ${replicas} ${deployment} pods are ready; wait for the rollout (kubectl rollout status deployment/${deployment})`, details: { ready: ready.length } };
    if (unmeshed.length) return { passed: false, hint: `${unmeshed.join(', ')} has no sidecar: was it created before the namespace was labelled for injection?`, details: { unmeshed } };
    return { passed: true, hint: `${deployment}: ${ready.length} pods ready, each with its sidecar (${ready.map((p) => p.metadata.name).join(', ')})`, details: { pods: ready.map((p) => p.metadata.name) } };
  },
};

type Run = Schemas['Benchmark'];

export interface BenchmarkRunsArgs {
  service: string;
  /** The run's URL path starts with this (e.g. /delay/). */
  path?: string;
  /** true: the generator pods were meshed; false: they ran without sidecars. Either when absent. */
  sidecar?: boolean;
  /** true: an open-loop run (--rps given); false: closed loop (as fast as answers come). Either when absent. */
  openLoop?: boolean;
  /** Each counted run answered at least this many requests. */
  minRequests?: number;
  /** How many such runs the session must have. */
  count?: number;
}

function describeWanted(a: BenchmarkRunsArgs): string {
  const kind = [a.openLoop === true && 'open-loop (--rps)', a.openLoop === false && 'closed-loop (no --rps)', a.sidecar === false && 'sidecar-off', a.sidecar === true && 'meshed']
    .filter(Boolean)
    .join(' ');
  return `${a.count && a.count > 1 ? `${a.count} ` : 'a '}completed ${kind ? `${kind} ` : ''}run${a.count && a.count > 1 ? 's' : ''} against http://${a.service}:…${a.path ?? '/'}${a.minRequests ? ` with at least ${a.minRequests} requests` : ''}`;
}

function describeRun(b: Run): string {
  const s = b.summary;
  if (!s) return `${b.id} ${b.status}`;
  const l = s.latencyMs;
  const u = s.uncorrectedLatencyMs;
  return `${b.id}: ${s.requests} requests, p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms${u && b.rps !== null ? ` (uncorrected p50 ${u.p50} ms, p90 ${u.p90} ms)` : ''}`;
}

function benchmarkRuns(store: PlaygroundStore): LessonCheck<BenchmarkRunsArgs> {
  return {
    name: 'benchmark-runs',
    title: 'The benchmark runs a step asks for',
    description:
      'The session has at least `count` (default 1) completed benchmark runs against `service` (URL path starting with `path`), open-loop or closed-loop (`openLoop`), meshed or not (`sidecar`), each with at least `minRequests` answered requests.',
    args: {
      type: 'object',
      required: ['service'],
      properties: {
        service: { type: 'string', pattern: DNS_LABEL },
        path: { type: 'string', pattern: '^/[!-~]{0,200}$' },
        sidecar: { type: 'boolean' },
        openLoop: { type: 'boolean' },
        minRequests: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        count: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
      },
      additionalProperties: false,
    },
    async run({ session }, args) {
      const all = (await store.benchmarks(session.id)).map((r) => r.benchmark).filter((b) => b.status === 'completed');
      const url = (b: Run) => {
        try {
          return new URL(b.url);
        } catch {
          return undefined;
        }
      };
      const matching = all.filter((b) => {
        const u = url(b);
        return (
          u &&
          u.hostname.split('.')[0] === args.service &&
          (args.path === undefined || `${u.pathname}${u.search}`.startsWith(args.path)) &&
          (args.sidecar === undefined || (b.sidecar !== false) === args.sidecar) &&
          (args.openLoop === undefined || (b.rps !== null && b.rps !== undefined) === args.openLoop)
        );
      });
      const bigEnough = matching.filter((b) => (b.summary?.requests ?? 0) >= (args.minRequests ?? 1));
      const count = args.count ?? 1;
      if (bigEnough.length < count) {
        const small = matching.filter((b) => !bigEnough.includes(b));
        const why = small.length ? `; ${small.map(describeRun).join('; ')} — too few requests: run longer or at a higher rate` : all.length ? ` (your ${all.length} completed run${all.length === 1 ? ' does' : 's do'} not match)` : '';
        return { passed: false, hint: `still to do: ${describeWanted(args)} — ${bigEnough.length} so far${why}`, details: { matching: matching.map((b) => b.id) } };
      }
      const shown = bigEnough.slice(-count);
      return { passed: true, hint: shown.map(describeRun).join('; '), details: { runs: shown.map((b) => b.id) } };
    },
  };
}

const conformanceRun: LessonCheck<{ tests: string[]; outcome?: 'passed' | 'failed' }> = {
  name: 'conformance-run',
  title: 'A conformance run in the session',
  description: "The session's last conformance run (the terminal's `conformance`, the API's runConformance) ran the named tests, each with the given outcome (default passed).",
  args: {
    type: 'object',
    required: ['tests'],
    properties: {
      tests: { type: 'array', minItems: 1, maxItems: 32, uniqueItems: true, items: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9-]{0,80}$' } },
      outcome: { type: 'string', enum: ['passed', 'failed'], default: 'passed' },
    },
    additionalProperties: false,
  },
  async run({ session }, { tests, outcome = 'passed' }) {
    const run = lastConformanceRun(session.id);
    if (!run) return { passed: false, hint: `no conformance run in this session yet; run it (conformance --only ${tests.join(',')})` };
    const byName = new Map(run.results.map((r) => [r.name, r]));
    const missing = tests.filter((t) => !byName.has(t) || byName.get(t)!.outcome === 'skipped');
    if (missing.length) return { passed: false, hint: `your last run (${run.finishedAt}) did not run ${missing.join(', ')}; run it with --only ${tests.join(',')}`, details: { ran: [...byName.keys()] } };
    const off = tests.filter((t) => byName.get(t)!.outcome !== outcome).map((t) => `${t} ${byName.get(t)!.outcome}${byName.get(t)!.reason ? ` (${byName.get(t)!.reason})` : ''}`);
    if (off.length) return { passed: false, hint: `the step expects ${tests.join(', ')} to be ${outcome}; your last run: ${off.join('; ')}`, details: { results: run.results } };
    const assertions = tests.map((t) => byName.get(t)!).map((r) => `${r.name} ${r.outcome}${r.assertions ? ` (${r.assertions.passed}/${r.assertions.total} assertions)` : ''}`);
    return { passed: true, hint: `last run: ${assertions.join(', ')}`, details: { results: tests.map((t) => byName.get(t)) } };
  },
};

export function registerPlaygroundChecks(registry: CheckRegistry, store: PlaygroundStore): CheckRegistry {
  return registry.add(meshedReplicas).add(benchmarkRuns(store)).add(conformanceRun);
}
