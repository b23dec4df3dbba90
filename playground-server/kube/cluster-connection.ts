// The server's way into a cluster: the admin kubeconfig (for namespaces, ServiceAccounts and tokens only)
// and, for everything a learner does, clients that carry the session's own namespace-scoped token, so the
// cluster itself enforces the session boundary as well as the server.
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify as stringifyYaml } from 'yaml';
import { KubeHttp } from './kube-http.js';
import { ResourceDiscovery } from './discovery.js';

/** `--kubeconfig in-cluster`: use the ServiceAccount the server's pod runs as. */
export const IN_CLUSTER = 'in-cluster';

export class ClusterConnection {
  readonly admin: KubeHttp;
  readonly discovery: ResourceDiscovery;
  readonly server: URL;
  private readonly caData?: string;
  private readonly skipTLSVerify: boolean;
  private readonly tlsServerName?: string;
  /** One keep-alive pool for every session's requests (same server, same CA). */
  private readonly sharedAgent: HttpAgent | HttpsAgent;

  constructor(readonly kubeconfig: KubeConfig) {
    const cluster = kubeconfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
    this.caData = cluster.caData;
    this.skipTLSVerify = cluster.skipTLSVerify;
    this.tlsServerName = cluster.tlsServerName;
    const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : undefined;
    this.sharedAgent =
      this.server.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, ca, rejectUnauthorized: !cluster.skipTLSVerify, servername: cluster.tlsServerName })
        : new HttpAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32 });
    // The admin identity may use any auth the kubeconfig has (tokens, client certs, exec plugins).
    this.admin = new KubeHttp(this.server, (opts) => kubeconfig.applyToHTTPSOptions(opts));
    this.discovery = new ResourceDiscovery(this.admin);
  }

  /** A kubeconfig file, or IN_CLUSTER: the pod's own ServiceAccount (the hosted deployment in deploy/). */
  static fromFile(path: string): ClusterConnection {
    const kc = new KubeConfig();
    if (path === IN_CLUSTER) kc.loadFromCluster();
    else kc.loadFromFile(path);
    return new ClusterConnection(kc);
  }

  /** A client that authenticates with a bearer token (a session's ServiceAccount token). */
  forToken(token: string): KubeHttp {
    return new KubeHttp(this.server, (opts: RequestOptions) => {
      (opts.headers as Record<string, string>).authorization = `Bearer ${token}`;
    }, this.sharedAgent);
  }

  /** A kubeconfig for kubectl with the session's token and namespace. */
  kubeconfigFor(token: string, namespace: string): string {
    const cluster: Record<string, unknown> = { server: this.server.toString().replace(/\/$/, '') };
    if (this.caData) cluster['certificate-authority-data'] = this.caData;
    if (this.skipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
    if (this.tlsServerName) cluster['tls-server-name'] = this.tlsServerName;
    return stringifyYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'mesh-playground', cluster }],
      users: [{ name: `learner@${namespace}`, user: { token } }],
      contexts: [{ name: namespace, context: { cluster: 'mesh-playground', user: `learner@${namespace}`, namespace } }],
      'current-context': namespace,
      preferences: {},
    });
  }

  close(): void {
    this.sharedAgent.destroy();
  }
}
