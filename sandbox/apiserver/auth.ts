// Bearer-token authentication: a token names a user and its groups, as a Kubernetes authenticator's
// user.Info does. What a user may do is decided by RBAC alone (rbac/authorizer.ts).
import { randomBytes } from 'node:crypto';

export interface Identity {
  /** The user name: `sandbox-admin`, `system:serviceaccount:<ns>:<sa>`, an impersonated name. */
  user: string;
  /** The user's groups (`system:masters`, `system:serviceaccounts:<ns>`, `system:authenticated`). */
  groups: string[];
  /** The user's uid, when the authenticator knows one (a ServiceAccount token: the ServiceAccount's uid). */
  uid?: string;
  /** A bound service-account token: valid only while that ServiceAccount (same uid) exists. */
  boundTo?: { namespace: string; serviceAccount: string; uid: string };
  /** Milliseconds since the epoch after which the token is no longer valid. */
  expiresAt?: number;
}

/** Kubernetes' well-known user and group names (k8s.io/apiserver/pkg/authentication/user). */
export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

/** The identity of a request without credentials (served only what system:unauthenticated may read). */
export const ANONYMOUS: Identity = { user: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] };

/** The sandbox's administrator: a member of system:masters, which is always allowed. */
export function adminIdentity(user = 'sandbox-admin'): Identity {
  return { user, groups: [SYSTEM_MASTERS, ALL_AUTHENTICATED] };
}

export const serviceAccountUser = (namespace: string, name: string) => `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
/** serviceaccount.MakeGroupNames: the groups every ServiceAccount of a namespace is in. */
export const serviceAccountGroups = (namespace: string) => ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];

/** `system:serviceaccount:<ns>:<name>` → its namespace and name (serviceaccount.SplitUsername). */
export function splitServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** The identity a ServiceAccount's token carries. */
export function serviceAccountIdentity(namespace: string, name: string, uid?: string): Identity {
  return { user: serviceAccountUser(namespace, name), groups: [...serviceAccountGroups(namespace), ALL_AUTHENTICATED], ...(uid ? { uid } : {}) };
}

export interface Authenticator {
  authenticate(token: string): Identity | undefined;
}

export class StaticTokenAuthenticator implements Authenticator {
  private tokens = new Map<string, Identity>();

  add(token: string, identity: Identity): this {
    if (!token) throw new Error('token may not be empty');
    this.tokens.set(token, identity);
    return this;
  }

  remove(token: string): void {
    this.tokens.delete(token);
  }

  authenticate(token: string): Identity | undefined {
    const identity = this.tokens.get(token);
    if (identity?.expiresAt !== undefined && identity.expiresAt <= Date.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return identity;
  }

  /** A new random token for an identity (the TokenRequest API uses this). */
  issue(identity: Identity): string {
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, identity);
    return token;
  }
}

/** Something that can mint tokens: the TokenRequest subresource is served only when one is configured. */
export interface TokenIssuer {
  issue(identity: Identity): string;
}

/** The token of a request: `Authorization: Bearer <token>` (kubectl sends it only over TLS). */
export function requestToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}
