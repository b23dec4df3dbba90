// `linkerd viz stat`, from outside the data plane: scrape each meshed pod's proxy metrics through the
// pods proxy and aggregate golden metrics per deployment (inbound: what it served) or per route
// (outbound: where routing happens) — request counts by status, success rate, p50/p95/p99.
import type { Schemas } from '../api/types.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { podProxyPath } from '../requests/client-workload.js';
import { bucketQuantile, parsePrometheusText, type Sample } from './prometheus-text.js';
import { PROXY_ADMIN_PORT, sessionPods, type SessionPod } from './session-pods.js';

/** Pods scraped at once (bounded fan-out). */
const SCRAPE_CONCURRENCY = 8;
const SCRAPE_TIMEOUT_MS = 5000;

interface Aggregate {
  name: string;
  service?: string;
  meshedPods: number;
  requests: number;
  successes: number;
  failures: number;
  byStatus: Record<string, number>;
  buckets: Map<number, number>;
}

const emptyAggregate = (name: string, service?: string): Aggregate => ({ name, service, meshedPods: 0, requests: 0, successes: 0, failures: 0, byStatus: {}, buckets: new Map() });

function addSamples(agg: Aggregate, samples: Sample[]): void {
  for (const s of samples) {
    if (s.name === 'response_total') {
      agg.requests += s.value;
      if (s.labels.classification === 'success') agg.successes += s.value;
      else agg.failures += s.value;
      const code = s.labels.status_code ?? 'unknown';
      agg.byStatus[code] = (agg.byStatus[code] ?? 0) + s.value;
    } else if (s.name === 'response_latency_ms_bucket') {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      agg.buckets.set(le, (agg.buckets.get(le) ?? 0) + s.value);
    }
  }
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

function toRow(a: Aggregate): Schemas['StatRow'] {
  return {
    name: a.name,
    ...(a.service !== undefined ? { service: a.service } : {}),
    meshedPods: a.meshedPods,
    requests: a.requests,
    successes: a.successes,
    failures: a.failures,
    successRate: a.requests ? Math.round((a.successes / a.requests) * 10000) / 10000 : null,
    byStatus: a.byStatus,
    latencyMs: { p50: round(bucketQuantile(0.5, a.buckets)), p95: round(bucketQuantile(0.95, a.buckets)), p99: round(bucketQuantile(0.99, a.buckets)) },
  };
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export interface ScrapedPod {
  pod: SessionPod;
  samples: Sample[];
}

/** Every running meshed pod's proxy metrics (bounded fan-out and time); a pod that cannot be read is named in `errors`. */
export async function scrapeMeshedPods(session: ActiveSession, signal: AbortSignal): Promise<{ scraped: ScrapedPod[]; errors: string[] }> {
  const ns = session.namespace;
  const pods = (await sessionPods(session.kube, ns, signal)).filter((p) => p.meshed && p.running);
  const errors: string[] = [];
  const scraped = await mapLimited(pods, SCRAPE_CONCURRENCY, async (pod) => {
    try {
      const res = await session.kube.call({ path: podProxyPath(ns, pod.name, PROXY_ADMIN_PORT, '/metrics'), accept: 'text/plain', timeoutMs: SCRAPE_TIMEOUT_MS, maxBytes: 4 * 1024 * 1024, signal });
      if (res.status !== 200) {
        errors.push(`${pod.name}: metrics answered HTTP ${res.status}`);
        return { pod, samples: [] as Sample[] };
      }
      return { pod, samples: parsePrometheusText(res.body.toString('utf8')) };
    } catch (err) {
      errors.push(`${pod.name}: ${(err as Error).message}`);
      return { pod, samples: [] as Sample[] };
    }
  });
  return { scraped, errors };
}

export async function meshStat(session: ActiveSession, resource: 'deployments' | 'routes', signal: AbortSignal): Promise<Schemas['MeshStat']> {
  const ns = session.namespace;
  const { scraped, errors } = await scrapeMeshedPods(session, signal);

  const rows = new Map<string, Aggregate>();
  if (resource === 'deployments') {
    for (const { pod, samples } of scraped) {
      const name = pod.deployment ?? pod.name;
      const agg = rows.get(name) ?? emptyAggregate(name);
      agg.meshedPods++;
      addSamples(agg, samples.filter((s) => s.labels.direction === 'inbound'));
      rows.set(name, agg);
    }
  } else {
    for (const { samples } of scraped) {
      const outbound = samples.filter((s) => s.labels.direction === 'outbound' && (s.name === 'response_total' || s.name === 'response_latency_ms_bucket'));
      const byKey = new Map<string, Sample[]>();
      for (const s of outbound) {
        const key = `${s.labels.dst_service ?? s.labels.authority ?? 'unknown'}\u0000${s.labels.route || '[default]'}`;
        const list = byKey.get(key) ?? [];
        list.push(s);
        byKey.set(key, list);
      }
      for (const [key, list] of byKey) {
        const [service, route] = key.split('\u0000');
        const agg = rows.get(key) ?? emptyAggregate(route, service);
        addSamples(agg, list);
        rows.set(key, agg);
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.name.localeCompare(b.name));
  return { resource, namespace: ns, rows: sorted.map(toRow), scrapedPods: scraped.length - errors.length, errors };
}
