// Checks the site's lessons need beyond the builtin ones: traffic seen by the mesh (lesson 1) and a meshed
// and a direct benchmark run (lesson 3). The benchmark check reads the session's runs from the results store:
// "direct" means the generator pods ran without sidecars against the un-meshed httpbin-direct.
import { meshStat } from '../mesh/stat.js';
import type { Schemas } from '../api/types.js';
import type { PlaygroundStore } from '../storage/store.js';
import type { CheckRegistry, LessonCheck } from './registry.js';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

const meshTraffic: LessonCheck<{ deployment: string; minRequests?: number }> = {
  name: 'mesh-traffic',
  title: 'The mesh has seen traffic',
  description: "The Deployment's sidecars counted at least minRequests inbound requests (its golden metrics exist).",
  args: {
    type: 'object',
    required: ['deployment'],
    properties: { deployment: { type: 'string', pattern: DNS_LABEL }, minRequests: { type: 'integer', minimum: 1, maximum: 100000, default: 1 } },
    additionalProperties: false,
  },
  async run({ session, signal }, { deployment, minRequests = 1 }) {
    const stat = await meshStat(session, 'deployments', signal);
    const row = stat.rows.find((r) => r.name === deployment);
    if (!row) return { passed: false, hint: `no meshed pod of "${deployment}" answered the metrics scrape; is it running with its sidecar (kubectl get pods)?`, details: { errors: stat.errors } };
    if (row.requests < minRequests)
      return { passed: false, hint: `the mesh counted ${row.requests} request${row.requests === 1 ? '' : 's'} to ${deployment}; send ${minRequests - row.requests} more (run the curl block)`, details: { requests: row.requests } };
    const rate = row.successRate === null ? 'n/a' : `${Math.round(row.successRate * 1000) / 10}%`;
    return { passed: true, hint: `${deployment}: ${row.requests} requests, success rate ${rate}, p99 ${row.latencyMs.p99 ?? 'n/a'} ms`, details: { row } };
  },
};

type Run = Schemas['Benchmark'];

/** The Service a run targeted: the first DNS label of its URL's host (`http://httpbin.ns.svc:8000/get` → httpbin). */
function targetService(url: string): string {
  try {
    return new URL(url).hostname.split('.')[0];
  } catch {
    return '';
  }
}

/** Runs stored before `sidecar` existed were meshed (the only kind there was). */
const meshedRun = (b: Run) => b.sidecar !== false;

function overheadMeasured(store: PlaygroundStore): LessonCheck<{ meshedService?: string; directService?: string; minRequests?: number }> {
  return {
    name: 'mesh-overhead-measured',
    title: 'A meshed and a direct benchmark',
    description:
      'The session has a completed meshed run (generator pods with sidecars, sidecar: true) against meshedService and a completed direct run (no sidecars, sidecar: false) against directService, each with at least minRequests answered requests (a short run cannot support the percentiles a lesson compares).',
    args: {
      type: 'object',
      properties: {
        meshedService: { type: 'string', pattern: DNS_LABEL, default: 'httpbin' },
        directService: { type: 'string', pattern: DNS_LABEL, default: 'httpbin-direct' },
        minRequests: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
      },
      additionalProperties: false,
    },
    async run({ session }, { meshedService = 'httpbin', directService = 'httpbin-direct', minRequests = 1 }) {
      const runs = (await store.benchmarks(session.id)).map((r) => r.benchmark).filter((b) => b.status === 'completed' && (b.summary?.requests ?? 0) >= minRequests);
      const meshed = runs.find((b) => meshedRun(b) && targetService(b.url) === meshedService);
      const direct = runs.find((b) => !meshedRun(b) && targetService(b.url) === directService);
      const missing = [
        !meshed && `a meshed run (sidecar on) against http://${meshedService}:…`,
        !direct && `a direct run (sidecar off) against http://${directService}:…`,
      ]
        .filter(Boolean)
        .map((m) => (minRequests > 1 ? `${m} with at least ${minRequests} requests` : m));
      if (missing.length) {
        // The easy mistake: targeting the direct Service from meshed generators still crosses the client's proxy.
        const meshedToDirect = !direct && runs.some((b) => meshedRun(b) && targetService(b.url) === directService);
        const why = meshedToDirect ? `; your run against ${directService} had the sidecar on, so its requests still left through a proxy — untick "sidecar"` : '';
        return { passed: false, hint: `still to do: ${missing.join(' and ')} (the benchmarks page runs them)${why}`, details: { completedRuns: runs.length } };
      }
      const p = (b: Run) => `p50 ${b.summary?.latencyMs.p50} ms, p90 ${b.summary?.latencyMs.p90} ms, p99 ${b.summary?.latencyMs.p99} ms (${b.summary?.requests} requests)`;
      return { passed: true, hint: `meshed ${p(meshed!)}; direct ${p(direct!)}`, details: { meshed: meshed!.id, direct: direct!.id } };
    },
  };
}

export function registerLessonChecks(registry: CheckRegistry, store: PlaygroundStore): CheckRegistry {
  return registry.add(meshTraffic).add(overheadMeasured(store));
}
