// The SMI suite's scenarios as data, one per specification (the capabilities Meshery's SMI conformance grades):
// steps that apply or delete objects and assertions about what the echo client then sees. Access control is
// additive and denies by default (traffic-access v1alpha3); a mesh that, like Linkerd, admits everything until a
// destination has a TrafficTarget is tested from that point: once one exists, an unlisted source is denied.
import type { ApplyObject } from '../../kube/apply.js';
import { httpRouteGroup, trafficSplit, trafficTarget } from './smi-manifests.js';

export type SmiStep =
  | { kind: 'apply'; objects: ApplyObject[] }
  | { kind: 'delete'; objects: ApplyObject[] }
  | { kind: 'expect-status'; name: string; host: string; path: string; method: string; status: number }
  | { kind: 'expect-split'; name: string; host: string; weights: Record<string, number> };

export interface SmiScenario {
  /** The SMI specification (and Meshery's capability name). */
  name: 'traffic-access' | 'traffic-spec' | 'traffic-split';
  spec: string;
  description: string;
  steps: SmiStep[];
}

const everything = httpRouteGroup('everything', [{ name: 'all', pathRegex: '.*', methods: ['*'] }]);
const othersToV1 = trafficTarget('echo-v2-to-echo-v1', 'echo-v1', ['echo-v2'], 'everything');
const clientToV1 = trafficTarget('client-to-echo-v1', 'echo-v1', ['echo-client'], 'everything');

const apiRoutes = httpRouteGroup('echo-api', [
  { name: 'get-api', pathRegex: '/api', methods: ['GET'] },
  { name: 'post-submit', pathRegex: '/submit', methods: ['POST'] },
]);
const clientToApi = trafficTarget('client-to-echo-api', 'echo-v1', ['echo-client'], 'echo-api', ['get-api', 'post-submit']);

const split = (weights: Record<string, number>) => trafficSplit('echo-split', 'echo', weights);

export const SMI_SCENARIOS: readonly SmiScenario[] = [
  {
    name: 'traffic-access',
    spec: 'access.smi-spec.io/v1alpha3 TrafficTarget',
    description: 'Denied by default once the destination has a TrafficTarget, allowed by a TrafficTarget naming the source, denied again when it goes',
    steps: [
      { kind: 'apply', objects: [everything, othersToV1] },
      { kind: 'expect-status', name: 'a source no TrafficTarget names is denied', host: 'echo-v1', path: '/', method: 'GET', status: 403 },
      { kind: 'apply', objects: [clientToV1] },
      { kind: 'expect-status', name: 'a TrafficTarget naming the source allows it', host: 'echo-v1', path: '/', method: 'GET', status: 200 },
      { kind: 'delete', objects: [clientToV1] },
      { kind: 'expect-status', name: 'denied again once that TrafficTarget is deleted', host: 'echo-v1', path: '/', method: 'GET', status: 403 },
      { kind: 'delete', objects: [othersToV1, everything] },
    ],
  },
  {
    name: 'traffic-spec',
    spec: 'specs.smi-spec.io/v1alpha4 HTTPRouteGroup',
    description: "An HTTPRouteGroup's path and method matches decide which requests a TrafficTarget allows",
    steps: [
      { kind: 'apply', objects: [apiRoutes, clientToApi] },
      { kind: 'expect-status', name: 'GET /api matches get-api (path and method)', host: 'echo-v1', path: '/api', method: 'GET', status: 200 },
      { kind: 'expect-status', name: 'POST /submit matches post-submit', host: 'echo-v1', path: '/submit', method: 'POST', status: 200 },
      { kind: 'expect-status', name: 'POST /api: the path matches, the method does not', host: 'echo-v1', path: '/api', method: 'POST', status: 403 },
      { kind: 'expect-status', name: 'GET /other: no path matches', host: 'echo-v1', path: '/other', method: 'GET', status: 403 },
      { kind: 'delete', objects: [clientToApi, apiRoutes] },
    ],
  },
  {
    name: 'traffic-split',
    spec: 'split.smi-spec.io/v1alpha4 TrafficSplit',
    description: 'A TrafficSplit on the apex Service sends to both backends, to only one, and 75/25 both ways',
    steps: [
      { kind: 'apply', objects: [split({ 'echo-v1': 50, 'echo-v2': 50 })] },
      { kind: 'expect-split', name: 'both backends (50/50)', host: 'echo', weights: { 'echo-v1': 0.5, 'echo-v2': 0.5 } },
      { kind: 'apply', objects: [split({ 'echo-v1': 100, 'echo-v2': 0 })] },
      { kind: 'expect-split', name: 'only echo-v1 (100/0)', host: 'echo', weights: { 'echo-v1': 1, 'echo-v2': 0 } },
      { kind: 'apply', objects: [split({ 'echo-v1': 75, 'echo-v2': 25 })] },
      { kind: 'expect-split', name: 'weighted 75/25', host: 'echo', weights: { 'echo-v1': 0.75, 'echo-v2': 0.25 } },
      { kind: 'apply', objects: [split({ 'echo-v1': 25, 'echo-v2': 75 })] },
      { kind: 'expect-split', name: 'weighted 25/75', host: 'echo', weights: { 'echo-v1': 0.25, 'echo-v2': 0.75 } },
      { kind: 'delete', objects: [split({})] },
    ],
  },
];

/** Meshery's capability grades: every assertion passed, some did, none did. */
export function smiGrade(passed: number, total: number): 'Full' | 'Partial' | 'None' {
  return total > 0 && passed === total ? 'Full' : passed > 0 ? 'Partial' : 'None';
}
