// A kubeconfig the real kubectl and @kubernetes/client-node accept as is: the API server's CA and a bearer token.
// The sandbox serves HTTPS because client-go never sends a token over plain http (kubernetes/kubectl#744).
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  /** https://host:port */
  server: string;
  token: string;
  /** PEM of the CA that signed the server's certificate. */
  certificateAuthority: string;
  namespace?: string;
  contextName?: string;
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  if (!/^https:\/\//.test(opts.server)) throw new Error(`server must be an https URL, got ${JSON.stringify(opts.server)}`);
  if (!opts.token || /\s/.test(opts.token)) throw new Error('token must be a non-empty string without whitespace');
  if (!opts.certificateAuthority.includes('BEGIN CERTIFICATE')) throw new Error('certificateAuthority must be a PEM certificate');
  const name = opts.contextName ?? 'sandbox';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: opts.server, 'certificate-authority-data': Buffer.from(opts.certificateAuthority).toString('base64') } }],
    users: [{ name, user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: name, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes the kubeconfig readable only by its owner (it holds a credential). */
export function writeKubeconfig(path: string, opts: KubeconfigOptions): void {
  writeFileSync(path, kubeconfigYaml(opts), { mode: 0o600 });
}
