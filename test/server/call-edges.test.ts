// The topology's call edges from the proxies' own counters (playground-server/mesh/call-edges.ts): each meshed
// pod's outbound response_total, read as Prometheus text, summed per calling Deployment and destination; inbound
// series and empty counters are not calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callEdges } from '../../playground-server/mesh/call-edges.js';
import { parsePrometheusText } from '../../playground-server/mesh/prometheus-text.js';

const series = (direction: string, dstDeployment: string, dstService: string, classification: string, value: number) =>
  `response_total{direction="${direction}",authority="x",dst_namespace="s",dst_deployment="${dstDeployment}",dst_service="${dstService}",route="",tls="true",client_id="",status_code="200",classification="${classification}"} ${value}`;

const pod = (name: string, deployment: string, lines: string[]) => ({ pod: { name, deployment, meshed: true, running: true }, samples: parsePrometheusText(`${lines.join('\n')}\n`) });

test('outbound counters of every pod of a Deployment add up per destination; failures are what was not a success', () => {
  const edges = callEdges([
    pod('productpage-v1-a', 'productpage-v1', [series('outbound', 'details-v1', 'details', 'success', 3), series('outbound', 'reviews-v2', 'reviews', 'success', 2), series('outbound', 'reviews-v2', 'reviews', 'failure', 1), series('inbound', 'productpage-v1', '', 'success', 9)]),
    pod('productpage-v1-b', 'productpage-v1', [series('outbound', 'details-v1', 'details', 'success', 4)]),
    pod('reviews-v2-a', 'reviews-v2', [series('outbound', 'ratings-v1', 'ratings', 'success', 0)]),
  ]);
  assert.deepEqual(edges, [
    { from: 'productpage-v1', to: 'details-v1', service: 'details', requests: 7, failures: 0 },
    { from: 'productpage-v1', to: 'reviews-v2', service: 'reviews', requests: 3, failures: 1 },
  ]);
});

test('a call that reached no pod is an edge to the Service it addressed', () => {
  assert.deepEqual(callEdges([pod('curl-a', 'curl', [series('outbound', '', 'ghost', 'failure', 2)])]), [{ from: 'curl', to: 'ghost', service: 'ghost', requests: 2, failures: 2 }]);
  assert.deepEqual(callEdges([pod('curl-a', 'curl', [series('outbound', '', '', 'failure', 2)])]), [], 'no destination at all is no edge');
});
