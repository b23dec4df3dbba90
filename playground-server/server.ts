// The playground server: serves the built site and talks to the cluster through the Kubernetes API only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';

export interface PlaygroundServerOptions {
  host: string;
  port: number;
  kubeconfigPath: string;
  siteDir: string;
}

export interface PlaygroundServer {
  url: string;
  close(): Promise<void>;
}

export interface PodSummary {
  name: string;
  ready: string;
  status: string;
  ip: string;
}

export function summarizePod(pod: V1Pod): PodSummary {
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = statuses.find((s) => s.state?.waiting)?.state?.waiting?.reason;
  return {
    name: pod.metadata?.name ?? '',
    ready: `${statuses.filter((s) => s.ready).length}/${pod.spec?.containers.length ?? 0}`,
    status: pod.metadata?.deletionTimestamp ? 'Terminating' : (waiting ?? pod.status?.phase ?? 'Unknown'),
    ip: pod.status?.podIP ?? '',
  };
}

export async function startPlaygroundServer(opts: PlaygroundServerOptions): Promise<PlaygroundServer> {
  const kubeconfig = new KubeConfig();
  kubeconfig.loadFromFile(opts.kubeconfigPath);
  const core = kubeconfig.makeApiClient(CoreV1Api);
  const site = sirv(opts.siteDir, { etag: true, gzip: false, single: false });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
    '/healthz': async (_req, res) => json(res, 200, { status: 'ok' }),
    '/api/cluster/pods': async (_req, res) => {
      const list = await core.listNamespacedPod({ namespace: 'default' });
      json(res, 200, { pods: list.items.map(summarizePod) });
    },
    '/api/kubeconfig': async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/yaml', 'content-disposition': 'attachment; filename="sandbox.kubeconfig"' });
      res.end(readFileSync(opts.kubeconfigPath));
    },
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes[path];
    if (!route) {
      site(req, res, () => json(res, 404, { code: 404, reason: 'NotFound', message: `no page or operation at ${path}` }));
      return;
    }
    if (req.method !== 'GET') return json(res, 405, { code: 405, reason: 'MethodNotAllowed', message: `${req.method} is not allowed on ${path}; use GET` });
    route(req, res).catch((err: Error) => json(res, 502, { code: 502, reason: 'ClusterUnavailable', message: `the cluster did not answer: ${err.message}` }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
