// A kubeconfig the real kubectl and @kubernetes/client-node accept as is, for a plain-http server.
// client-go never sends `user.token` over http (kubernetes/kubectl#744), but Go's HTTP client sends a
// server URL's userinfo as HTTP Basic, which the sandbox accepts with the token as password; client-node
// sends `user.token` as a bearer token and insists on insecure-skip-tls-verify for http URLs.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  server: string;
  token: string;
  namespace?: string;
  contextName?: string;
}

/** The server URL kubectl should use: http://<context>:<token>@host:port (https URLs are left alone). */
export function serverUrlWithCredentials(server: string, token: string, user: string): string {
  const url = new URL(server);
  if (url.protocol !== 'http:') return server;
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(token);
  return url.toString().replace(/\/$/, '');
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  if (!/^https?:\/\//.test(opts.server)) throw new Error(`server must be an http(s) URL, got ${JSON.stringify(opts.server)}`);
  if (!opts.token || /\s/.test(opts.token)) throw new Error('token must be a non-empty string without whitespace');
  const name = opts.contextName ?? 'sandbox';
  const plainHttp = opts.server.startsWith('http://');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{
      name,
      cluster: {
        server: serverUrlWithCredentials(opts.server, opts.token, name),
        ...(plainHttp ? { 'insecure-skip-tls-verify': true } : {}),
      },
    }],
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
