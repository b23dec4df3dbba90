// User impersonation (kubectl --as, --as-group, --as-uid): the Impersonate-* headers make a request run as
// another user, but only when the caller may `impersonate` each of them — users, groups and uids at the cluster
// scope, a ServiceAccount in its namespace — as the API server's impersonation filter decides.
import type { IncomingMessage } from 'node:http';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, serviceAccountGroups, serviceAccountUser, splitServiceAccountUser, type Identity } from '../auth.js';
import { StatusError } from '../errors.js';
import type { RbacAuthorizer } from './authorizer.js';
import { forbiddenError, type RequestAttributes } from './request-attributes.js';

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';

interface ImpersonationRequest {
  apiGroup: string;
  resource: string;
  subresource?: string;
  name: string;
  namespace?: string;
}

/** Does the request ask to impersonate anyone? */
export function wantsImpersonation(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some((h) => h === USER_HEADER || h === GROUP_HEADER || h === UID_HEADER || h.startsWith(EXTRA_PREFIX));
}

/**
 * The identity the request runs as. Throws 403 with the authorizer's text for the first impersonation the
 * caller may not do. The Impersonate-* headers are removed so they never reach a proxied workload.
 */
export function impersonate(req: IncomingMessage, requester: Identity, authorizer: RbacAuthorizer): Identity {
  const headers = req.headersDistinct;
  const requests: ImpersonationRequest[] = [];
  const requestedUser = headers[USER_HEADER]?.[0] ?? '';
  const sa = requestedUser ? splitServiceAccountUser(requestedUser) : undefined;
  if (sa) requests.push({ apiGroup: '', resource: 'serviceaccounts', name: sa.name, namespace: sa.namespace });
  else if (requestedUser) requests.push({ apiGroup: '', resource: 'users', name: requestedUser });
  const groups = (headers[GROUP_HEADER] ?? []).filter((g) => g !== '');
  for (const g of groups) requests.push({ apiGroup: '', resource: 'groups', name: g });
  for (const [header, values] of Object.entries(headers)) {
    if (!header.startsWith(EXTRA_PREFIX) || !values) continue;
    const key = unescapeExtraKey(header.slice(EXTRA_PREFIX.length));
    for (const v of values) requests.push({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
  }
  const uid = headers[UID_HEADER]?.[0] ?? '';
  if (uid) requests.push({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const h of Object.keys(req.headers)) if (h === USER_HEADER || h === GROUP_HEADER || h === UID_HEADER || h.startsWith(EXTRA_PREFIX)) delete req.headers[h];

  if (!requestedUser && requests.length)
    throw new StatusError(500, 'InternalError', `Internal Server Error: ${JSON.stringify(req.url ?? '')}: requested ${describe(requests)} without impersonating a user`);

  for (const r of requests) {
    const attrs: RequestAttributes = {
      user: requester, verb: 'impersonate', resourceRequest: true, path: '', apiGroup: r.apiGroup, apiVersion: 'v1',
      resource: r.resource, subresource: r.subresource ?? '', name: r.name, namespace: r.namespace ?? '',
    };
    const decision = authorizer.authorize(attrs);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
  }

  const user = sa ? serviceAccountUser(sa.namespace, sa.name) : requestedUser;
  const resultGroups = sa && !groups.length ? serviceAccountGroups(sa.namespace) : [...groups];
  if (user !== ANONYMOUS_USER) {
    if (!resultGroups.some((g) => g === ALL_AUTHENTICATED || g === ALL_UNAUTHENTICATED)) resultGroups.push(ALL_AUTHENTICATED);
  } else if (!resultGroups.includes(ALL_UNAUTHENTICATED)) {
    resultGroups.push(ALL_UNAUTHENTICATED);
  }
  return { user, groups: resultGroups, ...(uid ? { uid } : {}) };
}

/** Impersonate-Extra-<key>: the key is URL-escaped (kubectl escapes characters headers cannot carry). */
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

function describe(requests: ImpersonationRequest[]): string {
  return `[${requests.map((r) => `${r.resource}/${r.name}`).join(' ')}]`;
}
