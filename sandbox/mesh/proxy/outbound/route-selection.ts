// Layer 1 of the outbound stack, route selection (linkerd2-proxy's outbound `http::logical` route layer): the rule a
// request follows. To a Service, the first entry of its route table that matches (the control plane keeps tables in
// Gateway API precedence order — Istio's VirtualService rules in written order), else the Service's default rule; to
// a pod address, the endpoint itself. The HTTP/1 fast path, the HTTP/1 slow path and HTTP/2 all select here.
import type { CompiledRule, MeshSnapshot } from '../../config/snapshot.js';
import type { Destination } from '../destination.js';
import type { ClientFacts } from '../istio-match.js';
import { defaultRule, matchRule, tableFor, type RequestFacts } from '../route-matcher.js';

/** The rule of a request to a pod address: no Service, so no route; the endpoint the app dialled. */
export const POD_ADDRESS_RULE: CompiledRule = { label: '', kind: 'default', routeNamespace: '', routeName: '', backends: [], totalWeight: 0 };

/** Returned instead of a rule when a rule would read headers the caller does not have (the fast path). */
export const HEADERS_NEEDED = 'headers-needed';

/** Where a request's headers come from: read only when a rule matches on headers (node:http builds `req.headers` lazily). */
export interface HeaderSource {
  readonly headers: RequestFacts['headers'];
}

/** The calling pod, as a proxy knows itself. */
export interface ClientPod {
  readonly namespace: string;
  readonly pod: string;
}

const NO_HEADERS: RequestFacts['headers'] = Object.freeze({});

/** The request as route matching reads it; remembers whether a rule asked for its headers. */
class RouteRequest implements RequestFacts {
  headersRead = false;

  constructor(
    readonly client: ClientFacts,
    readonly method: string,
    readonly path: string,
    readonly query: string,
    private readonly source: HeaderSource | undefined,
  ) {}

  get headers(): RequestFacts['headers'] {
    this.headersRead = true;
    return this.source?.headers ?? NO_HEADERS;
  }
}

/**
 * The rule for a request: undefined when a route table is attached and no rule matches (the caller answers 404, as
 * the Gateway API requires). Without a header source (the fast path, which parses no header object),
 * HEADERS_NEEDED when a rule would read headers.
 */
export function selectRoute(
  snap: MeshSnapshot,
  self: ClientPod,
  dest: Destination,
  method: string,
  url: string,
  headers: HeaderSource | undefined,
): CompiledRule | undefined | typeof HEADERS_NEEDED {
  if (dest.kind !== 'service') return POD_ADDRESS_RULE;
  const table = tableFor(snap, self.namespace, dest.service, dest.port.port);
  if (!table) return defaultRule(dest.service);
  const q = url.indexOf('?');
  const request = new RouteRequest(clientFacts(snap, self), method, q === -1 ? url : url.slice(0, q), q === -1 ? '' : url.slice(q + 1), headers);
  const rule = matchRule(table, dest.port.port, request);
  return headers === undefined && request.headersRead ? HEADERS_NEEDED : rule;
}

/** Why a request got 404: its Service has routes attached and none matches (Gateway API). */
export function noRouteMessage(dest: Destination, method: string | undefined, url: string): string {
  const parent = dest.kind === 'service' ? `${dest.service.namespace}/${dest.service.name}` : dest.authority;
  return `no route of ${parent} matches ${method} ${url}`;
}

/** The calling pod, for Istio's sourceLabels / sourceNamespace matches. */
export function clientFacts(snap: MeshSnapshot, self: ClientPod): ClientFacts {
  return { namespace: self.namespace, labels: snap.namespaces.get(self.namespace)?.pods.get(self.pod)?.labels ?? {} };
}
