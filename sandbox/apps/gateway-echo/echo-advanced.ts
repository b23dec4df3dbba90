// The Gateway API conformance echo-advanced image, which is Istio's echo server (istio/istio pkg/test/echo): each
// HTTP port from `--port` (default 8080) answers every request with the echo protocol (echo-protocol.ts) —
// ServiceVersion (--version), ServicePort, Host, URL, Cluster (--cluster), Namespace (env NAMESPACE), Method, Proto,
// IP, one RequestHeader line per header, and Hostname (the pod) — honouring `?codes=500:1,200:1`, `?headers=k:v`
// and `?delay=1s` as upstream does. Each `--grpc` port (7070 in the manifests) serves the unary
// proto.EchoTestService/Echo over h2c (grpc-server.ts). Not done: the `--tls` ports (8443 in the manifests), `--tcp`
// (9090) and websockets; those ports are declared but nothing listens on them.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { httpWorkload, type AppRequest, type AppResponse } from '../http-workload.js';
import { Field, line } from './echo-protocol.js';
import { canonicalHeaderKey } from './headers.js';
import { parseGoDuration } from '../../apiserver/validation/go-duration.js';
import { grpcEchoWorkload } from './grpc-server.js';

/** The longest `?delay=` the sandbox waits (upstream has no cap). */
export const MAX_ECHO_DELAY_MS = 30_000;

export interface EchoServerFlags {
  httpPorts: number[];
  tlsPorts: number[];
  grpcPorts: number[];
  version: string;
  cluster: string;
  istioVersion: string;
}

/** pflag's int slices (`--port=8080 --port=8443` or `--port=8080,8443`) and the string flags echo's main reads. */
export function parseEchoServerArgs(args: string[]): EchoServerFlags {
  const ints = new Map<string, number[]>();
  const strings = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = args[i].match(/^--?([\w-]+)(?:=(.*))?$/);
    if (!m) continue;
    const [, name, inline] = m;
    const value = inline ?? (args[i + 1] && !args[i + 1].startsWith('-') ? args[++i] : '');
    if (['port', 'tls', 'grpc', 'tcp', 'udp'].includes(name)) {
      const list = ints.get(name) ?? [];
      for (const p of value.split(',')) if (/^\d+$/.test(p) && Number(p) > 0 && Number(p) < 65536) list.push(Number(p));
      ints.set(name, list);
    } else strings.set(name, value);
  }
  const tls = ints.get('tls') ?? [];
  const http = ints.get('port') ?? [8080];
  return {
    httpPorts: [...new Set(http.filter((p) => !tls.includes(p)))],
    tlsPorts: tls,
    grpcPorts: [...new Set(ints.get('grpc') ?? [])],
    version: strings.get('version') ?? '',
    cluster: strings.get('cluster') ?? '',
    istioVersion: strings.get('istio-version') ?? '',
  };
}

/** `?codes=code[:slices][,code[:slices]]*`: a weighted random pick, 400 on bad input (endpoint/http.go). */
function pickCode(spec: string | null): { code: number; error?: string } {
  const parts = (spec || '200:1').split(',');
  const weighted: [number, number][] = [];
  for (const p of parts) {
    const [c, n = '1', ...more] = p.split(':');
    const code = Number(c);
    const slices = Number(n);
    if (more.length || !/^\d+$/.test(c) || code < 200 || code >= 600 || !/^\d+$/.test(n)) return { code: 400, error: `codes error: invalid "${p}"` };
    weighted.push([code, slices]);
  }
  const total = weighted.reduce((s, [, n]) => s + n, 0);
  if (total <= 0) return { code: weighted[weighted.length - 1][0] };
  let slice = Math.floor(Math.random() * total);
  for (const [code, n] of weighted) {
    if (slice < n) return { code };
    slice -= n;
  }
  return { code: weighted[weighted.length - 1][0] };
}

export function echoAdvancedApp(ctx: WorkloadContext): Workload {
  const flags = parseEchoServerArgs(ctx.args);
  const hostname = ctx.env.HOSTNAME || ctx.podName;
  const servers = flags.httpPorts.map((port) =>
    httpWorkload(ctx, port, async (req: AppRequest): Promise<AppResponse> => {
      let body = '';
      const headers: Record<string, string> = {};
      const delay = req.query.get('delay');
      if (delay) {
        const ms = parseGoDuration(delay);
        if (ms === undefined) body += `error delaying response error: time: invalid duration "${delay}"\n`;
        else await sleep(Math.min(ms, MAX_ECHO_DELAY_MS));
      }
      for (const kv of (req.query.get('headers') ?? '').split(',').filter(Boolean)) {
        const [name, value, ...rest] = kv.split(':');
        if (value === undefined || rest.length || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n]/.test(value)) body += `response headers error: invalid "${kv}" (want name:value)\n`;
        else headers[name] = value;
      }
      const picked = pickCode(req.query.get('codes'));
      if (picked.error) body += `${picked.error}\n`;
      const url = req.path + (req.query.size ? `?${req.query}` : '');
      body += line(Field.ServiceVersion, flags.version) + line(Field.ServicePort, String(port)) + line(Field.Host, String(req.headers.host ?? '')) + line(Field.URL, url);
      if (flags.cluster) body += line(Field.Cluster, flags.cluster);
      if (flags.istioVersion) body += line(Field.IstioVersion, flags.istioVersion);
      if (ctx.env.NAMESPACE) body += line(Field.Namespace, ctx.env.NAMESPACE);
      body += line(Field.Method, req.method) + line(Field.Proto, 'HTTP/1.1') + line(Field.IP, req.remoteAddress);
      const requestHeaders = Object.entries(req.headers)
        .filter(([k, v]) => k !== 'host' && v !== undefined)
        .map(([k, v]) => [canonicalHeaderKey(k), ([] as string[]).concat(v as string | string[])] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, values] of requestHeaders) for (const v of values) body += line(Field.RequestHeader, `${k}:${v}`);
      body += line(Field.Hostname, hostname);
      return { status: picked.code, headers: { ...headers, 'content-type': 'application/text' }, body };
    }),
  );
  const grpcServers = flags.grpcPorts.map((port) =>
    grpcEchoWorkload(ctx, { port, version: flags.version, cluster: flags.cluster, istioVersion: flags.istioVersion, namespace: ctx.env.NAMESPACE ?? '', hostname }),
  );
  return {
    start: async () => {
      for (const [i, s] of servers.entries()) {
        await s.start();
        ctx.log(`${new Date().toISOString()}\tinfo\tListening HTTP/1.1 on ${flags.httpPorts[i]}`);
      }
      for (const [i, s] of grpcServers.entries()) {
        await s.start();
        ctx.log(`${new Date().toISOString()}\tinfo\tListening GRPC on ${flags.grpcPorts[i]}`);
      }
      if (flags.tlsPorts.length) ctx.log(`echo: TLS ports ${flags.tlsPorts.join(', ')} are not served in the sandbox`);
    },
    stop: async () => {
      await Promise.all([...servers, ...grpcServers].map((s) => s.stop()));
    },
  };
}
