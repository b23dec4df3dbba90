// URL → what is being asked for. Resource URLs follow the API server's layout:
//   /api/v1[/watch][/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]
//   /apis/<group>/<version>[/watch][/namespaces/<ns>]/<plural>[/<name>[/<subresource>]]
import type { ResourceRegistry, ResourceType } from './resources.js';
import { notFound, StatusError } from './errors.js';

export type Route =
  | { kind: 'health'; check: string }
  | { kind: 'version' }
  | { kind: 'coreVersions' } // /api
  | { kind: 'groupList' } // /apis
  | { kind: 'group'; group: string } // /apis/<g>
  | { kind: 'resourceList'; group: string; version: string } // /api/v1, /apis/<g>/<v>
  | { kind: 'openapiV2' }
  | { kind: 'openapiV3Root' }
  | { kind: 'openapiV3'; group: string; version: string }
  | { kind: 'resource'; target: ResourceTarget };

export interface ResourceTarget {
  group: string;
  version: string;
  plural: string;
  /** undefined for cluster-scoped kinds and for requests across all namespaces */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The legacy /watch/ path prefix was used. */
  watchPath: boolean;
  /** For the proxy subresource: the path (still URL-encoded) after `/proxy`, at least "/". */
  proxyPath?: string;
}

export const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export function parseRoute(pathname: string, isServed: (group: string, version: string, plural: string) => boolean): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (HEALTH_PATHS.has(path) || /^\/(healthz|livez|readyz)\//.test(path)) return { kind: 'health', check: path };
  if (path === '/version') return { kind: 'version' };
  if (path === '/openapi/v2' || path === '/swagger.json') return { kind: 'openapiV2' };
  if (path === '/openapi/v3') return { kind: 'openapiV3Root' };
  const seg = path.split('/').slice(1).map(decodeURIComponent);
  if (seg[0] === 'openapi' && seg[1] === 'v3') {
    if (seg[2] === 'api' && seg.length === 4) return { kind: 'openapiV3', group: '', version: seg[3] };
    if (seg[2] === 'apis' && seg.length === 5) return { kind: 'openapiV3', group: seg[3], version: seg[4] };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api') {
    if (seg.length === 1) return { kind: 'coreVersions' };
    group = '';
    version = seg[1];
    rest = seg.slice(2);
  } else if (seg[0] === 'apis') {
    if (seg.length === 1) return { kind: 'groupList' };
    if (seg.length === 2) return { kind: 'group', group: seg[1] };
    group = seg[1];
    version = seg[2];
    rest = seg.slice(3);
  } else {
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  // namespaces/<ns>/<plural>/... unless <plural> is not a resource (then it is a Namespace's subresource).
  if (rest[0] === 'namespaces' && rest.length >= 3 && isServed(group, version, rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest[2] === 'proxy' && rest[1]) {
    // pods/<name[:port]>/proxy/<path...>: everything after /proxy is passed on as it came (encoded, trailing slash kept).
    const consumed = seg.length - (rest.length - 3);
    const proxyPath = '/' + pathname.split('/').slice(1 + consumed).join('/');
    return { kind: 'resource', target: { group, version, plural: rest[0], namespace, name: rest[1], subresource: 'proxy', watchPath, proxyPath } };
  }
  if (rest.length > 3 || !rest[0]) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const [plural, name, subresource] = rest;
  return { kind: 'resource', target: { group, version, plural, namespace, name, subresource, watchPath } };
}

/** The served kind of a target, or 404 as the API server words it. */
export function resolveType(registry: ResourceRegistry, t: ResourceTarget): ResourceType {
  const type = registry.byResource(t.group, t.version, t.plural);
  if (!type) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (t.subresource) {
    const ok = (type.subresources as Record<string, boolean | undefined>)[t.subresource] === true;
    if (!ok || !t.name) throw notFound(t.plural, t.group, `${t.name ?? ''}/${t.subresource}`);
  }
  return type;
}
