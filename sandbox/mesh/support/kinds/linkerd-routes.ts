// Linkerd's outbound routing API: policy.linkerd.io HTTPRoute on Services (control-plane/linkerd/
// linkerd-http-route-compiler.ts) and the retry/timeout annotations (control-plane/linkerd/route-annotations.ts).
// The annotations are listed with pseudo-paths `metadata.annotations["…"]`: the apply-time walker reads `spec` only,
// so these entries document them (the docs table); bad values are warned on apply by annotation-admission.ts.
import type { FieldSupport, KindSupport } from '../support-registry.js';

const HTTPROUTE_REFERENCE = 'https://linkerd.io/2/reference/httproute/';

/** Linkerd's annotations on a Service, an HTTPRoute (either group) or a GRPCRoute; the route's replace the Service's. */
export const LINKERD_ROUTE_ANNOTATION_SUPPORT: FieldSupport[] = [
  { path: 'metadata.annotations["retry.linkerd.io/http"]', support: 'full', note: '5xx, gateway-error, codes and ranges (500-504,429); not on GRPCRoutes' },
  { path: 'metadata.annotations["retry.linkerd.io/grpc"]', support: 'partial', note: 'cancelled, deadline-exceeded, internal, resource-exhausted, unavailable (from trailers-only answers); not on HTTPRoutes; a try cut by retry.linkerd.io/timeout is not retried on gRPC routes' },
  { path: 'metadata.annotations["retry.linkerd.io/limit"]', support: 'partial', note: 'retries after the first try, default 1; at most 10 in the sandbox' },
  { path: 'metadata.annotations["retry.linkerd.io/timeout"]', support: 'full', note: 'per try; a try that times out is retried' },
  { path: 'metadata.annotations["timeout.linkerd.io/request"]', support: 'full', note: 'the whole request (504 from the proxy); wins over rules[].timeouts.request' },
  { path: 'metadata.annotations["timeout.linkerd.io/response"]', support: 'full', note: 'each backend response (per try)' },
  { path: 'metadata.annotations["timeout.linkerd.io/idle"]', support: 'none', note: 'parsed, not enforced: the sandbox has no stream idle timeout (warned on apply)' },
];

export const LINKERD_ROUTE_KINDS: KindSupport[] = [
  {
    api: 'Linkerd',
    group: 'policy.linkerd.io',
    kind: 'HTTPRoute',
    versions: ['v1beta3', 'v1beta2', 'v1beta1', 'v1alpha1'],
    summary:
      "Linkerd's own HTTPRoute. With a Service parent (group core or \"\"): outbound routing, compiled like a Gateway API HTTPRoute into the same per-Service tables (both groups' routes rank together; a GRPCRoute on the port wins, the HTTPRoute is Conflicted), with per-route metrics. With a Server parent: an inbound route (per-route authorization).",
    docs: HTTPROUTE_REFERENCE,
    warnOnApply: true,
    fields: [
      { path: 'spec.parentRefs', support: 'partial', note: 'Service (group core or "", port or sectionName) and Server; a Service ref without a group gets the CRD default group policy.linkerd.io and does not attach (NoMatchingParent); EgressNetwork and Gateway parents are not served' },
      { path: 'spec.hostnames', support: 'none', note: 'mesh routes are chosen by the Service the client dialled; hostnames are not matched' },
      { path: 'spec.rules[].matches', support: 'full', note: 'path (Exact, PathPrefix, RegularExpression), headers, queryParams, method' },
      { path: 'spec.rules[].filters', support: 'full', note: 'RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect (the kinds Linkerd applies); others get Accepted=False UnsupportedValue' },
      { path: 'spec.rules[].backendRefs', support: 'full', note: 'Services, weighted; without backendRefs a rule goes to the parent Service' },
      { path: 'spec.rules[].timeouts.request', support: 'full', note: 'v1beta3; timeout.linkerd.io/request wins when both are set' },
      { path: 'spec.rules[].timeouts.backendRequest', support: 'none', note: "Linkerd's policy controller does not read it; use the timeout.linkerd.io/response annotation" },
      ...LINKERD_ROUTE_ANNOTATION_SUPPORT,
    ],
  },
];
