// The SMI kinds (split/access/specs.smi-spec.io): what the sandbox mesh honours, read from control-plane/smi-compiler.ts
// and control-plane/inbound/smi-access-layer.ts. SMI objects have no status; the compiler's problems (a missing
// Service or route group) are kept for diagnostics. Every field the CRDs define is read, so apply-time warnings
// stay off; what is weaker than the spec is in the notes.
import type { KindSupport } from '../support-registry.js';

const TRAFFIC_SPLIT: KindSupport = {
  api: 'SMI',
  group: 'split.smi-spec.io',
  kind: 'TrafficSplit',
  versions: ['v1alpha4'],
  summary: 'Weighted split of the traffic clients send to an apex Service across backend Services, optionally only for requests an HTTPRouteGroup matches.',
  docs: 'https://github.com/servicemeshinterface/smi-spec/blob/main/apis/traffic-split/v1alpha4/traffic-split.md',
  warnOnApply: false,
  fields: [
    { path: 'spec.service', support: 'partial', note: 'a Service of the TrafficSplit\'s namespace (an FQDN is cut to its first label); one TrafficSplit per apex Service, later ones are ignored and reported' },
    { path: 'spec.backends', support: 'full', note: 'Services of the same namespace, integer weights; each must serve the port the client called' },
    { path: 'spec.matches', support: 'full', note: 'HTTPRouteGroups by name; requests no group matches go to the apex Service' },
  ],
};

const TRAFFIC_TARGET: KindSupport = {
  api: 'SMI',
  group: 'access.smi-spec.io',
  kind: 'TrafficTarget',
  versions: ['v1alpha3'],
  summary: 'Access control: once a TrafficTarget names a ServiceAccount as destination, only the listed source identities may call its pods (mTLS required), on the listed routes.',
  docs: 'https://github.com/servicemeshinterface/smi-spec/blob/main/apis/traffic-access/traffic-access.md',
  warnOnApply: false,
  fields: [
    { path: 'spec.destination', support: 'partial', note: 'a ServiceAccount of the TrafficTarget\'s own namespace; other kinds or namespaces are refused and reported' },
    { path: 'spec.sources', support: 'full', note: 'ServiceAccounts, any namespace, as SPIFFE identities' },
    {
      path: 'spec.rules',
      support: 'partial',
      note: 'HTTPRouteGroup rules with their matches; a TCPRoute rule opens all the destination\'s traffic to the sources (the TCPRoute object is not read); UDPRoute rules grant nothing',
    },
  ],
};

const HTTP_ROUTE_GROUP: KindSupport = {
  api: 'SMI',
  group: 'specs.smi-spec.io',
  kind: 'HTTPRouteGroup',
  versions: ['v1alpha4'],
  summary: 'Named HTTP matches that TrafficSplits and TrafficTargets refer to.',
  docs: 'https://github.com/servicemeshinterface/smi-spec/blob/main/apis/traffic-specs/v1alpha4/traffic-specs.md',
  warnOnApply: false,
  fields: [
    { path: 'spec.matches[].name', support: 'full' },
    { path: 'spec.matches[].pathRegex', support: 'full', note: 'anchored at the start of the path (JavaScript regular expression syntax)' },
    { path: 'spec.matches[].methods', support: 'full', note: '"*" for any' },
    { path: 'spec.matches[].headers', support: 'full', note: 'header name to regular expression; every entry must match' },
  ],
};

/** SMI's TCPRoute has no CRD in the sandbox: listed so the docs say how a TrafficTarget's TCPRoute rule is read. */
const TCP_ROUTE: KindSupport = {
  api: 'SMI',
  group: 'specs.smi-spec.io',
  kind: 'TCPRoute',
  versions: [],
  summary: 'Not served (applying one fails with "no matches for kind"); a TrafficTarget rule that names a TCPRoute grants all of the destination\'s traffic.',
  docs: 'https://github.com/servicemeshinterface/smi-spec/blob/main/apis/traffic-specs/v1alpha4/traffic-specs.md#tcproute',
  warnOnApply: false,
  fields: [{ path: 'spec', support: 'none', note: 'its ports are not read: the TrafficTarget rule opens every port' }],
};

export const SMI_KINDS: KindSupport[] = [TRAFFIC_SPLIT, TRAFFIC_TARGET, HTTP_ROUTE_GROUP, TCP_ROUTE];
