// Who called whom, from live traffic: each meshed pod's proxy counts its outbound requests by destination
// (response_total{direction="outbound", dst_deployment, dst_service, classification}); summed per calling
// Deployment and destination, these are the topology's call edges, as `linkerd viz edges` shows them. An
// un-meshed caller has no proxy to count for it, so its calls appear only as the callee's inbound traffic.
import type { Schemas } from '../api/types.js';
import type { ScrapedPod } from './stat.js';

/** Most edges returned (a namespace's quota bounds workloads; this bounds the answer whatever the labels say). */
const MAX_EDGES = 200;

export function callEdges(scraped: ScrapedPod[]): Schemas['TopologyEdge'][] {
  const edges = new Map<string, Schemas['TopologyEdge']>();
  for (const { pod, samples } of scraped) {
    const from = pod.deployment ?? pod.name;
    for (const s of samples) {
      if (s.name !== 'response_total' || s.labels.direction !== 'outbound' || !(s.value > 0)) continue;
      const service = s.labels.dst_service || undefined;
      const to = s.labels.dst_deployment || service;
      if (!to) continue;
      const key = `${from}\u0000${to}\u0000${service ?? ''}`;
      let edge = edges.get(key);
      if (!edge) {
        if (edges.size >= MAX_EDGES) continue;
        edges.set(key, (edge = { from, to, ...(service ? { service } : {}), requests: 0, failures: 0 }));
      }
      edge.requests += s.value;
      if (s.labels.classification !== 'success') edge.failures += s.value;
    }
  }
  return [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
}
