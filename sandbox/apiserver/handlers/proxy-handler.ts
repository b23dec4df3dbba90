// pods/<name[:port]>/proxy/<path> and services/<[scheme:]name[:port]>/proxy/<path>: the API server relays an
// HTTP request to a pod or a Service inside the cluster, streaming both ways (the playground server reads
// sidecar metrics and tap streams, and sends in-mesh requests, through this — as it would on a real cluster).
// It connects only to the address the node assigned to that pod, or the clusterIP allocated to that Service,
// in the URL's namespace (ProxyTargets) — never to status.podIP or spec.clusterIP as a client wrote them.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { StatusError, badRequest, notFound } from '../errors.js';
import type { RequestContext } from './request-context.js';

interface ContainerPort { name?: string; containerPort: number }
interface PodLike { metadata?: { uid?: string }; spec?: { containers?: { ports?: ContainerPort[] }[] }; status?: { phase?: string } }
interface ServiceLike { spec?: { type?: string; clusterIP?: string; ports?: { name?: string; port: number }[] } }

/** Where the node put pods and Services: implemented by the runtime's address book. */
export interface ProxyTargets {
  /** The running pod `namespace/name` and the pod IP the node assigned it. */
  pod(namespace: string, name: string): { podIP: string; uid: string } | undefined;
  /** The Service `namespace/name` and the clusterIP the service pool allocated it. */
  service(namespace: string, name: string): { clusterIP: string } | undefined;
}

/** Headers that belong to one connection, not to the relayed request (RFC 9110 §7.6.1), plus our credential. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'authorization', 'host']);

export async function handleProxy(ctx: RequestContext, path: string, search: string, targets: ProxyTargets | undefined): Promise<void> {
  const { target, type } = ctx;
  const { host, port } = type.plural === 'pods' ? podAddress(ctx, targets) : serviceAddress(ctx, targets);
  const headers: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(ctx.req.headers)) if (!NOT_FORWARDED.has(k)) headers[k] = v;
  headers.host = `${host}:${port}`;
  headers['x-forwarded-uri'] = ctx.req.url;

  await new Promise<void>((resolve, reject) => {
    const upstream = httpRequest({ host, port, method: ctx.req.method, path: path + search, headers }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !NOT_FORWARDED.has(k)) out[k] = v;
      ctx.res.writeHead(answer.statusCode ?? 502, out);
      ctx.res.flushHeaders();
      answer.pipe(ctx.res);
      answer.on('end', resolve);
      answer.on('error', reject);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) =>
      reject(new StatusError(503, 'ServiceUnavailable', `error trying to reach ${type.singular} "${target.name}" at ${host}:${port}: ${err.code ?? err.message}`)),
    );
    // A client that goes away ends the relayed request too (long-lived streams such as tap).
    ctx.res.on('close', () => {
      upstream.destroy();
      resolve();
    });
    ctx.req.pipe(upstream);
  });
}

function podAddress(ctx: RequestContext, targets: ProxyTargets | undefined): { host: string; port: number } {
  const [name, portText] = splitOnce(ctx.target.name!);
  const pod = ctx.api.tryGet(ctx.type, ctx.target.namespace, name) as PodLike | undefined;
  if (!pod) throw notFound('pods', '', name);
  const assigned = targets?.pod(ctx.target.namespace ?? '', name);
  // Only what the node assigned to this very pod: a status.podIP written by a client is never dialled.
  if (!assigned || (pod.metadata?.uid !== undefined && assigned.uid !== pod.metadata.uid))
    throw new StatusError(503, 'ServiceUnavailable', `pod "${name}" is not running on a node of this cluster yet (phase ${pod.status?.phase ?? 'Pending'}); no address to proxy to`);
  const host = assigned.podIP;
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  if (!portText) return { host, port: ports[0]?.containerPort ?? 80 };
  const port = /^\d+$/.test(portText) ? Number(portText) : ports.find((p) => p.name === portText)?.containerPort;
  if (!port || port > 65535) throw badRequest(`invalid port "${portText}" for pod "${name}": use a container port number or name`);
  return { host, port };
}

function serviceAddress(ctx: RequestContext, targets: ProxyTargets | undefined): { host: string; port: number } {
  let spec = ctx.target.name!;
  const scheme = spec.match(/^(https?):/)?.[1];
  if (scheme === 'https') throw badRequest('the sandbox proxies plain http only; use http:<service>:<port>');
  if (scheme) spec = spec.slice(scheme.length + 1);
  const [name, portText] = splitOnce(spec);
  const svc = ctx.api.tryGet(ctx.type, ctx.target.namespace, name) as ServiceLike | undefined;
  if (!svc) throw notFound('services', '', name);
  if (svc.spec?.type === 'ExternalName') throw new StatusError(503, 'ServiceUnavailable', `service "${name}" is an ExternalName service; the sandbox proxies only to addresses inside the cluster`);
  if (!svc.spec?.clusterIP || svc.spec.clusterIP === 'None') throw new StatusError(503, 'ServiceUnavailable', `service "${name}" has no cluster IP (headless services cannot be proxied)`);
  const allocated = targets?.service(ctx.target.namespace ?? '', name);
  if (!allocated || allocated.clusterIP !== svc.spec.clusterIP) throw new StatusError(503, 'ServiceUnavailable', `service "${name}" has no cluster IP allocated by this cluster; no address to proxy to`);
  const ports = svc.spec?.ports ?? [];
  const port = !portText ? ports[0]?.port : ports.find((p) => p.name === portText || String(p.port) === portText)?.port;
  if (!port) throw new StatusError(503, 'ServiceUnavailable', `no service port "${portText ?? ''}" on service "${name}"`);
  return { host: allocated.clusterIP, port };
}

function splitOnce(s: string): [string, string | undefined] {
  const i = s.indexOf(':');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
