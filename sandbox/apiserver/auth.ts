// Bearer-token authentication and the sandbox's one authorization rule: a token may be scoped to
// namespaces. Denials read like the real RBAC authorizer's, so learners recognise them.
import { randomBytes } from 'node:crypto';
import { forbidden, qualifiedResource } from './errors.js';

export interface Identity {
  user: string;
  /** '*' for cluster-wide access, otherwise the namespaces this identity may use. */
  namespaces: '*' | string[];
  /** A bound service-account token: valid only while that ServiceAccount (same uid) exists. */
  boundTo?: { namespace: string; serviceAccount: string; uid: string };
  /** Milliseconds since the epoch after which the token is no longer valid. */
  expiresAt?: number;
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

export interface AccessRequest {
  verb: string; // get, list, watch, create, update, patch, delete, deletecollection
  group: string;
  plural: string;
  subresource?: string;
  /** The request's namespace; undefined for cluster-scoped kinds and all-namespace requests. */
  namespace?: string;
  namespaced: boolean;
  name?: string;
}

/** Throws 403 Forbidden when a namespace-scoped identity reaches outside its namespaces. */
export function authorize(identity: Identity, r: AccessRequest): void {
  if (identity.namespaces === '*') return;
  const allowed = identity.namespaces;
  const resource = r.subresource ? `${r.plural}/${r.subresource}` : r.plural;
  const subject = `User "${identity.user}" cannot ${r.verb} resource "${resource}" in API group "${r.group}"`;
  const what = r.name ? `${qualifiedResource(r.plural, r.group)} "${r.name}"` : qualifiedResource(r.plural, r.group);
  const readVerbs = ['get', 'list', 'watch'];
  if (r.namespaced) {
    if (r.namespace !== undefined && allowed.includes(r.namespace)) return;
    const where = r.namespace === undefined ? 'at the cluster scope' : `in the namespace "${r.namespace}"`;
    throw forbidden(`${what} is forbidden: ${subject} ${where}`);
  }
  // Cluster-scoped kinds: an identity may read its own Namespace objects and the (read-only) CRDs.
  if (r.group === '' && r.plural === 'namespaces' && r.verb === 'get' && r.name && allowed.includes(r.name)) return;
  if (r.group === 'apiextensions.k8s.io' && readVerbs.includes(r.verb)) return;
  throw forbidden(`${what} is forbidden: ${subject} at the cluster scope`);
}
