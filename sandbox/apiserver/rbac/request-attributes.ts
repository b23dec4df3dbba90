// What a request asks to do, read from its URL alone as the API server's RequestInfoFactory reads it, before
// routing: verb, API group, resource/subresource, name and namespace — or a non-resource path. Authorization
// and the Forbidden text work on these attributes.
import type { Identity } from '../auth.js';
import { forbidden, qualifiedResource, StatusError } from '../errors.js';

export interface RequestAttributes {
  user: Identity;
  verb: string;
  resourceRequest: boolean;
  /** The URL path (what nonResourceURLs match). */
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** '' for cluster-scoped requests and requests across all namespaces. */
  namespace: string;
}

const SPECIAL_VERBS = new Set(['proxy', 'watch']);
/** Pod subresources a WebSocket client reaches with GET: authorized as `create` (upstream since 1.30/1.31). */
const STREAMING_POD_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

function methodVerb(method: string): string {
  switch (method) {
    case 'POST': return 'create';
    case 'GET': case 'HEAD': return 'get';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return '';
  }
}

/** A `metadata.name=<n>` (or `==`) term of a field selector makes a list or watch name that object. */
function exactNameOf(fieldSelector: string | null): string | undefined {
  if (!fieldSelector) return undefined;
  for (const term of fieldSelector.split(',')) {
    const m = term.trim().match(/^metadata\.name\s*==?\s*(.+)$/);
    if (m && !/[/%]/.test(m[1]) && m[1] !== '.' && m[1] !== '..') return m[1].trim();
  }
  return undefined;
}

/** RequestInfoFactory.NewRequestInfo, for the prefixes this server serves (/api, /apis). */
export function requestAttributes(user: Identity, method: string, pathname: string, query: URLSearchParams): RequestAttributes {
  const a: RequestAttributes = { user, verb: method.toLowerCase(), resourceRequest: false, path: pathname, apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', namespace: '' };
  const trimmed = pathname.replace(/^\/+|\/+$/g, '');
  let parts = trimmed ? trimmed.split('/').map(safeDecode) : [];
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return a;
  const prefix = parts[0];
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 3) return a;
    a.apiGroup = parts[0];
    parts = parts.slice(1);
  }
  a.resourceRequest = true;
  a.apiVersion = parts[0];
  parts = parts.slice(1);
  if (SPECIAL_VERBS.has(parts[0]) && parts.length >= 2) {
    a.verb = parts[0];
    parts = parts.slice(1);
  } else {
    a.verb = methodVerb(method);
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      a.namespace = parts[1];
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  if (parts.length >= 3 && a.verb !== 'proxy') a.subresource = parts[2];
  if (parts.length >= 2) a.name = parts[1];
  if (parts.length >= 1) a.resource = parts[0];
  // A WebSocket GET to pods/exec (attach, portforward) does what the SPDY POST does: it needs `create`
  // (feature AuthorizePodWebsocketUpgradeCreatePermission, on by default since 1.30).
  if (a.verb === 'get' && a.apiGroup === '' && a.resource === 'pods' && STREAMING_POD_SUBRESOURCES.has(a.subresource)) a.verb = 'create';
  if (!a.name && a.verb === 'get') {
    const watch = query.get('watch');
    a.verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
    a.name = exactNameOf(query.get('fieldSelector')) ?? '';
  }
  if (!a.name && a.verb === 'delete') a.verb = 'deletecollection';
  return a;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The authorizer's verdict text (responsewriters.forbiddenMessage). */
export function forbiddenMessage(a: RequestAttributes): string {
  if (!a.resourceRequest) return `User ${JSON.stringify(a.user.user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(a.user.user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** 403 as responsewriters.Forbidden sends it: apierrors.NewForbidden(group/resource, name, message[: reason]). */
export function forbiddenError(a: RequestAttributes, reason = ''): StatusError {
  const message = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  if (!a.resource) return forbidden(`forbidden: ${message}`);
  const what = qualifiedResource(a.resource, a.apiGroup);
  const err = forbidden(a.name ? `${what} ${JSON.stringify(a.name)} is forbidden: ${message}` : `${what} is forbidden: ${message}`);
  return new StatusError(err.code, err.reason, err.message, { name: a.name || undefined, group: a.apiGroup, kind: a.resource });
}
