// Puts Linkerd's retry and timeout annotations onto compiled rules, with Linkerd's precedence
// (policy-controller/grpc/src/outbound/http.rs convert_outbound_route, index/http.rs convert_*_rule):
// - retries: the route's annotations, else the rule's own `retry` field (Gateway API, a sandbox extra Linkerd does
//   not read), else the parent Service's annotations;
// - timeouts: the route's annotations (`timeout.linkerd.io/request` wins over `rules[].timeouts.request`), else the
//   rule's own timeouts, else — only when the rule has none at all — the parent Service's annotations.
import type { CompiledRule, ServiceEntry } from '../../config/snapshot.js';
import type { LinkerdRoutePolicy } from './route-annotations.js';

/** The rule with the annotations applied; the same object when they change nothing (rules are shared). */
export function withLinkerdPolicy(rule: CompiledRule, route: LinkerdRoutePolicy, service: LinkerdRoutePolicy | undefined): CompiledRule {
  const grpc = rule.kind === 'GRPCRoute';
  const routeRetry = grpc ? route.grpcRetry : route.httpRetry;
  const serviceRetry = grpc ? service?.grpcRetry : service?.httpRetry;
  const retry = routeRetry ?? rule.retry ?? serviceRetry;

  let requestTimeoutMs = rule.requestTimeoutMs;
  let backendTimeoutMs = rule.backendTimeoutMs;
  if (route.timeouts) {
    requestTimeoutMs = route.timeouts.requestMs ?? requestTimeoutMs;
    backendTimeoutMs = route.timeouts.responseMs ?? backendTimeoutMs;
  } else if (requestTimeoutMs === undefined && backendTimeoutMs === undefined && service?.timeouts) {
    requestTimeoutMs = service.timeouts.requestMs;
    backendTimeoutMs = service.timeouts.responseMs;
  }
  if (retry === rule.retry && requestTimeoutMs === rule.requestTimeoutMs && backendTimeoutMs === rule.backendTimeoutMs) return rule;
  const out: CompiledRule = { ...rule, retry, requestTimeoutMs, backendTimeoutMs };
  if (!out.retry) delete out.retry;
  if (out.requestTimeoutMs === undefined) delete out.requestTimeoutMs;
  if (out.backendTimeoutMs === undefined) delete out.backendTimeoutMs;
  return out;
}

/** What the default route of a Service (no route attached) carries from the Service's annotations. */
export function defaultRulePolicy(service: LinkerdRoutePolicy): ServiceEntry['defaultPolicy'] {
  const policy: NonNullable<ServiceEntry['defaultPolicy']> = {};
  if (service.httpRetry) policy.retry = service.httpRetry;
  if (service.timeouts?.requestMs) policy.requestTimeoutMs = service.timeouts.requestMs;
  if (service.timeouts?.responseMs) policy.backendTimeoutMs = service.timeouts.responseMs;
  return Object.keys(policy).length ? policy : undefined;
}
