// pods/<name[:port]>/proxy/<path> and services/<[scheme:]name[:port]>/proxy/<path>: the API server relays an
// HTTP request to a pod or a Service inside the cluster, streaming both ways (the playground server reads
// sidecar metrics and tap streams, and sends in-mesh requests, through this — as it would on a real cluster).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { StatusError, badRequest, notFound } from '../errors.js';
import type { RequestContext } from './request-context.js';

interface ContainerPort { name?: string; containerPort: number }
interface PodLike { spec?: { containers?: { ports?: ContainerPort[] }[] }; status?: { podIP?: string; phase?: string } }
interface ServiceLike { spec?: { clusterIP?: string; ports?: { name?: string; port: number }[] } }

/** Headers that belong to one connection, not to the relayed request (RFC 9110 §7.6.1), plus our credential. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'authorization', 'host']);

export async function handleProxy(ctx: RequestContext, path: string, search: string): Promise<void> {
  const { target, type } = ctx;
  const { host, port } = type.plural === 'pods' ? podAddress(ctx) : serviceAddress(ctx);
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

function podAddress(ctx: RequestContext): { host: string; port: number } {
  const [name, portText] = splitOnce(ctx.target.name!);
  const pod = ctx.api.tryGet(ctx.type, ctx.target.namespace, name) as PodLike | undefined;
  if (!pod) throw notFound('pods', '', name);
  const host = pod.status?.podIP;
  if (!host) throw new StatusError(503, 'ServiceUnavailable', `pod "${name}" has no IP address yet (phase ${pod.status?.phase ?? 'Pending'})`);
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  if (!portText) return { host, port: ports[0]?.containerPort ?? 80 };
  const port = /^\d+$/.test(portText) ? Number(portText) : ports.find((p) => p.name === portText)?.containerPort;
  if (!port || port > 65535) throw badRequest(`invalid port "${portText}" for pod "${name}": use a container port number or name`);
  return { host, port };
}

function serviceAddress(ctx: RequestContext): { host: string; port: number } {
  let spec = ctx.target.name!;
  const scheme = spec.match(/^(https?):/)?.[1];
  if (scheme === 'https') throw badRequest('the sandbox proxies plain http only; use http:<service>:<port>');
  if (scheme) spec = spec.slice(scheme.length + 1);
  const [name, portText] = splitOnce(spec);
  const svc = ctx.api.tryGet(ctx.type, ctx.target.namespace, name) as ServiceLike | undefined;
  if (!svc) throw notFound('services', '', name);
  const host = svc.spec?.clusterIP;
  if (!host || host === 'None') throw new StatusError(503, 'ServiceUnavailable', `service "${name}" has no cluster IP (headless services cannot be proxied)`);
  const ports = svc.spec?.ports ?? [];
  const port = !portText ? ports[0]?.port : ports.find((p) => p.name === portText || String(p.port) === portText)?.port;
  if (!port) throw new StatusError(503, 'ServiceUnavailable', `no service port "${portText ?? ''}" on service "${name}"`);
  return { host, port };
}

function splitOnce(s: string): [string, string | undefined] {
  const i = s.indexOf(':');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
