// SPIFFE identities of workloads: spiffe://<trust domain>/ns/<namespace>/sa/<service account>.
import { TRUST_DOMAIN } from '../constants.js';

export function spiffeId(namespace: string, serviceAccount: string): string {
  return `spiffe://${TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccount}`;
}

export function parseSpiffeId(id: string): { namespace: string; serviceAccount: string } | undefined {
  const m = /^spiffe:\/\/[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id);
  return m ? { namespace: m[1], serviceAccount: m[2] } : undefined;
}

/** The SPIFFE URI in a peer certificate's subjectaltname string (node:tls form: `URI:spiffe://..., DNS:...`). */
export function spiffeIdOfSubjectAltName(san: string | undefined): string | undefined {
  if (!san) return undefined;
  for (const part of san.split(', ')) {
    if (part.startsWith('URI:spiffe://')) return part.slice(4);
  }
  return undefined;
}

/** The TLS server name a client sends for a destination identity (Linkerd uses the identity's DNS-like name). */
export function serverNameOf(id: string): string {
  const p = parseSpiffeId(id);
  return p ? `${p.serviceAccount}.${p.namespace}.serviceaccount.identity.${TRUST_DOMAIN}` : 'unknown.identity.invalid';
}
