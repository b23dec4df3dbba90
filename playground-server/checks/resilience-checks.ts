// Checks for the resilience lessons beyond what a client saw: a counter in a workload's proxy stats, read as Istio's
// circuit-breaking task reads it (`pilot-agent request GET stats`, Envoy's `cluster.<name>.<stat>: N` lines). The
// sandbox's sidecars serve those lines on their admin port, reached through the pods proxy with the session's token;
// Istio's Envoy keeps its admin API on the pod's localhost, so on a real Istio cluster this check cannot read them.
import { PROXY_ADMIN_PORT, sessionPods } from '../mesh/session-pods.js';
import { podProxyPath } from '../requests/client-workload.js';
import type { CheckRegistry, LessonCheck } from './registry.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const SCRAPE_TIMEOUT_MS = 5000;
const MAX_STATS_BYTES = 4 * 1024 * 1024;

export interface ProxyStatArgs {
  /** The Deployment whose pods' sidecars are read. */
  workload: string;
  /** The stat's name after its cluster, e.g. upstream_rq_pending_overflow. */
  stat: string;
  /** Text the cluster's name contains, e.g. httpbin (Envoy's outbound|8000||httpbin.<ns>.svc.cluster.local). */
  cluster: string;
  /** The summed counter must be at least this. */
  min: number;
}

/**
 * Sums `cluster.<name containing cluster>.<stat>: N` over the stats text. Envoy's cluster names have dots
 * (outbound|8000||httpbin.ns.svc.cluster.local) and so do some stats (circuit_breakers.default.rq_open): the stat is
 * matched as the name's ending, the cluster text within what comes before it.
 */
export function sumClusterStat(text: string, cluster: string, stat: string): { total: number; lines: number } {
  let total = 0;
  let lines = 0;
  const suffix = `.${stat}`;
  for (const line of text.split('\n')) {
    const m = /^cluster\.(\S+): (\d+)$/.exec(line.trim());
    if (!m || !m[1].endsWith(suffix) || !m[1].slice(0, -suffix.length).includes(cluster)) continue;
    total += Number(m[2]);
    lines++;
  }
  return { total, lines };
}

const proxyStat: LessonCheck<ProxyStatArgs> = {
  name: 'proxy-stat',
  title: "A counter in a workload's proxy stats",
  description:
    "Reads the stats of the `workload` Deployment's sidecars (the lines `pilot-agent request GET stats` prints) and sums `stat` over the clusters whose name contains `cluster`; passes when the sum is at least `min` (e.g. upstream_rq_pending_overflow for httpbin after the circuit breaker tripped). The sandbox's sidecars serve these stats to the playground; Istio's Envoy keeps them on the pod's localhost.",
  args: {
    type: 'object',
    required: ['workload', 'stat', 'cluster', 'min'],
    properties: {
      workload: { type: 'string', pattern: DNS_LABEL },
      stat: { type: 'string', pattern: '^[a-z0-9_]+(\\.[a-z0-9_]+)*$', maxLength: 100 },
      cluster: { type: 'string', pattern: '^[A-Za-z0-9_.|-]+$', maxLength: 100 },
      min: { type: 'integer', minimum: 0, maximum: 1_000_000 },
    },
    additionalProperties: false,
  },
  async run({ session, signal }, args) {
    const pods = (await sessionPods(session.kube, session.namespace, signal)).filter((p) => p.deployment === args.workload && p.running);
    if (!pods.length) return { passed: false, hint: `no running pod of Deployment "${args.workload}" yet; apply it and wait for its rollout`, details: {} };
    const meshed = pods.filter((p) => p.meshed);
    if (!meshed.length) return { passed: false, hint: `"${args.workload}" has no sidecar, so it has no proxy stats (is injection on for it?)`, details: {} };
    let total = 0;
    let lines = 0;
    const errors: string[] = [];
    for (const pod of meshed) {
      const path = podProxyPath(session.namespace, pod.name, PROXY_ADMIN_PORT, `/stats?filter=${encodeURIComponent(args.stat)}`);
      try {
        const res = await session.kube.call({ path, accept: 'text/plain', timeoutMs: SCRAPE_TIMEOUT_MS, maxBytes: MAX_STATS_BYTES, signal });
        if (res.status !== 200) {
          errors.push(`${pod.name}: stats answered HTTP ${res.status}`);
          continue;
        }
        const sum = sumClusterStat(res.body.toString('utf8'), args.cluster, args.stat);
        total += sum.total;
        lines += sum.lines;
      } catch (err) {
        errors.push(`${pod.name}: ${(err as Error).message}`);
      }
    }
    const details = { workload: args.workload, stat: args.stat, cluster: args.cluster, total, pods: meshed.map((p) => p.name), errors };
    if (!lines) {
      const why = errors.length ? `the stats could not be read (${errors.join('; ')})` : `no cluster whose name contains "${args.cluster}" has ${args.stat} yet — has ${args.workload} sent it any request?`;
      return { passed: false, hint: why, details };
    }
    if (total < args.min) return { passed: false, hint: `${args.stat} for ${args.cluster} is ${total} in ${args.workload}'s proxy (the step asks for at least ${args.min})`, details };
    return { passed: true, hint: `${args.stat} for ${args.cluster} is ${total} in ${args.workload}'s proxy`, details };
  },
};

export function registerResilienceChecks(registry: CheckRegistry): void {
  registry.add(proxyStat);
}
