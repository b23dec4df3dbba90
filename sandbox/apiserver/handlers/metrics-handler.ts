// metrics.k8s.io/v1beta1 as metrics-server serves it through the aggregation layer: PodMetrics and
// NodeMetrics, read-only (get and list, label selectors), computed at request time from a MetricsSource
// (implemented by the runtime: runtime/resource-metrics.ts says how each number is measured).
import { methodNotAllowed, notFound, StatusError } from '../errors.js';
import { sendJson } from '../http-io.js';
import { parseLabelSelector } from '../selectors.js';
import type { KubeObject } from '../store.js';
import { toTable, tableVersion, wantsTable } from '../tables/tables.js';
import type { RequestContext } from './request-context.js';

export interface ContainerUsage {
  name: string;
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface UsageSample {
  /** When the window ended (epoch ms) and how long it was (ms). */
  timestamp: number;
  windowMs: number;
}

export interface PodUsage extends UsageSample {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  containers: ContainerUsage[];
}

export interface NodeUsage extends UsageSample {
  name: string;
  labels: Record<string, string>;
  cpuNanoCores: number;
  memoryBytes: number;
}

/** What the node measures (the kubelet's resource metrics endpoint, as metrics-server scrapes it). */
export interface MetricsSource {
  pods(): PodUsage[];
  nodes(): NodeUsage[];
}

const API_VERSION = 'metrics.k8s.io/v1beta1';
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
/** Go's time.Duration String() for a window, e.g. "10.004s". */
const goDuration = (ms: number) => `${Number((ms / 1000).toFixed(3))}s`;
const cpu = (n: number) => `${Math.max(0, Math.round(n))}n`;
const memory = (bytes: number) => `${Math.max(0, Math.round(bytes / 1024))}Ki`;

function podMetrics(p: PodUsage): KubeObject {
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: { name: p.name, namespace: p.namespace, creationTimestamp: rfc3339(Date.now()), labels: p.labels },
    timestamp: rfc3339(p.timestamp),
    window: goDuration(p.windowMs),
    containers: p.containers.map((c) => ({ name: c.name, usage: { cpu: cpu(c.cpuNanoCores), memory: memory(c.memoryBytes) } })),
  } as KubeObject;
}

function nodeMetrics(n: NodeUsage): KubeObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: { name: n.name, creationTimestamp: rfc3339(Date.now()), labels: n.labels },
    timestamp: rfc3339(n.timestamp),
    window: goDuration(n.windowMs),
    usage: { cpu: cpu(n.cpuNanoCores), memory: memory(n.memoryBytes) },
  } as KubeObject;
}

export function handleMetrics(ctx: RequestContext, source: MetricsSource | undefined): void {
  const method = ctx.req.method ?? 'GET';
  const { target, type, query } = ctx;
  if (method !== 'GET' || target.subresource || target.watchPath || query.get('watch') === 'true' || query.get('watch') === '1')
    throw methodNotAllowed('the server does not allow this method on the requested resource');
  if (!source) throw new StatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
  const selector = parseLabelSelector(query.get('labelSelector'));
  const items = (type.kind === 'PodMetrics'
    ? source.pods().filter((p) => target.namespace === undefined || p.namespace === target.namespace).map(podMetrics)
    : source.nodes().map(nodeMetrics)
  ).filter((o) => selector(o.metadata.labels));
  if (target.name) {
    const found = items.find((o) => o.metadata.name === target.name);
    if (!found) throw notFound(type.plural, type.group, target.name);
    if (wantsTable(ctx.req.headers.accept)) return sendJson(ctx.res, 200, toTable(type, [found], { includeObject: 'Metadata', resourceVersion: '' }, tableVersion(ctx.req.headers.accept)));
    return sendJson(ctx.res, 200, found);
  }
  if (wantsTable(ctx.req.headers.accept)) return sendJson(ctx.res, 200, toTable(type, items, { includeObject: 'Metadata', resourceVersion: '' }, tableVersion(ctx.req.headers.accept)));
  sendJson(ctx.res, 200, { kind: `${type.kind}List`, apiVersion: API_VERSION, metadata: {}, items });
}
