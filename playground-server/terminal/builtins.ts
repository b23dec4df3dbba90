// The terminal's built-in programs: curl (from a workload, through the mesh), stat, tap, topology, help.
// Each parses its own flags and reuses the same code as the API operations.
import { ApiError } from '../api/errors.js';
import type { OpParams } from '../api/types.js';
import { meshStat } from '../mesh/stat.js';
import { tapSession } from '../mesh/tap.js';
import { sessionTopology } from '../mesh/topology.js';
import { sendFromWorkload } from '../requests/send-request.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { load } from './load-command.js';
import type { OutputSink, ProgramResult } from './output.js';
import { UsageError } from './usage-error.js';

export interface BuiltinContext {
  session: ActiveSession;
  out: OutputSink;
  signal: AbortSignal;
}

export type Builtin = (args: string[], ctx: BuiltinContext) => Promise<ProgramResult>;

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const HELP_TEXT = `Programs (no shell: no pipes, redirects or variables):
  kubectl <command> ...     the real kubectl, connected to your session's namespace
                            (get, describe, apply, delete, logs, rollout, scale, label, patch, explain, ...)
  kubectl apply -f - <<EOF  a pasted manifest: the heredoc's lines up to EOF are kubectl's input
                            (apply, create, replace, delete and diff take -f -)
  kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml
                            Istio's samples, https://raw.githubusercontent.com/istio/istio/<release>/samples/…
                            and https://run.linkerd.io/booksapp.yml come from an offline mirror of the upstream
                            files; no other file or URL can be read
  curl [-X METHOD] [-H 'Name: value'] [-d BODY] [-i] [--from WORKLOAD] [-m SECONDS] URL
                            send a request from a workload (default: curl) through its sidecar,
                            e.g. curl http://reviews:9080/reviews/0
  stat [deployments|routes] golden metrics: requests, success rate, latency percentiles
  tap [deploy/NAME] [--max N] [--duration SECONDS] [--path PREFIX]
                            live requests seen by the sidecars (Ctrl-C stops)
  load [RATE]rps [DURATION]s URL [--from WORKLOAD] [-H 'Name: value']
                            background traffic (≤ 100 rps, ≤ 60 s) through the mesh, e.g.
                            load 50rps 10s http://httpbin:8000/get, then tap; load status | load stop
  topology                  services, workloads, routes and splits
  bench [-c CONNECTIONS] [--rps RATE] [-t SECONDS] [-g GENERATORS] [--no-sidecar] [--h2|--grpc] [--streams N] [--grpc-method M] URL
                            a short load test from generator pods in your namespace
  conformance [--profile MESH-HTTP|MESH-GRPC|SMI] [--only TEST,...]
                            the Gateway API Mesh conformance tests against your namespace
  help                      this text
`;

function takeValue(args: string[], i: number, flag: string): string {
  const v = args[i + 1];
  if (v === undefined) throw new UsageError(`${flag} needs a value`);
  return v;
}

const curl: Builtin = async (args, { session, out, signal }) => {
  const params: OpParams<'sendRequest'> = { url: '', headers: {} };
  let include = false;
  let verbose = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-X' || a === '--request') {
      const m = takeValue(args, i++, a).toUpperCase();
      if (!(HTTP_METHODS as readonly string[]).includes(m)) throw new UsageError(`${a}: ${m} is not one of ${HTTP_METHODS.join(', ')}`);
      params.method = m as (typeof HTTP_METHODS)[number];
    } else if (a === '-H' || a === '--header') {
      const h = takeValue(args, i++, a);
      const colon = h.indexOf(':');
      if (colon <= 0) throw new UsageError(`${a}: write headers as 'Name: value'`);
      const name = h.slice(0, colon).trim();
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/.test(name)) throw new UsageError(`${a}: "${name}" is not a header name`);
      params.headers![name] = h.slice(colon + 1).trim();
    } else if (a === '-d' || a === '--data' || a === '--data-raw') {
      params.body = takeValue(args, i++, a);
      params.method ??= 'POST';
      params.headers!['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (a === '--json') {
      params.body = takeValue(args, i++, a);
      params.method ??= 'POST';
      params.headers!['content-type'] = 'application/json';
    } else if (a === '-i' || a === '--include') include = true;
    else if (a === '-v' || a === '--verbose') verbose = true;
    else if (a === '-s' || a === '--silent' || a === '-sS' || a === '-S') continue;
    else if (a === '--from') {
      const from = takeValue(args, i++, a);
      if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(from)) throw new UsageError(`--from: "${from}" is not a Deployment name`);
      params.from = from;
    } else if (a === '-m' || a === '--max-time') {
      const s = Number(takeValue(args, i++, a));
      if (!Number.isFinite(s) || s <= 0 || s > 30) throw new UsageError(`${a}: seconds from 0 to 30`);
      params.timeoutMs = Math.round(s * 1000);
    } else if (a.startsWith('-')) throw new UsageError(`curl: unsupported option ${a} (see "help")`);
    else if (params.url) throw new UsageError('curl: one URL at a time');
    else params.url = a;
  }
  if (!params.url) throw new UsageError('curl: which URL? e.g. curl http://productpage:9080/productpage');
  if (params.body !== undefined && params.body.length > 65536) throw new UsageError('curl: the body is over the 65536-byte limit');
  if (verbose) await out.line('stderr', `> ${params.method ?? 'GET'} ${params.url} (from ${params.from ?? 'curl'})`);
  const r = await sendFromWorkload(session, params, signal);
  if (include || verbose) {
    await out.write('stdout', `HTTP/1.1 ${r.status}\n${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`);
  }
  await out.write('stdout', r.body + (r.body.endsWith('\n') || !r.body ? '' : '\n'));
  if (r.bodyTruncated) await out.line('stderr', '[response body truncated]');
  const via = [r.servedBy && `served by ${r.servedBy}`, r.retries !== null && `${r.retries} retries`, r.peerIdentity && `peer ${r.peerIdentity}`].filter(Boolean).join(', ');
  if (verbose || via) await out.line('stderr', `< ${r.status} in ${r.latencyMs} ms from ${r.from.pod}${via ? ` (${via})` : ''}`);
  return { exitCode: r.status >= 400 ? 22 : 0 };
};

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

const stat: Builtin = async (args, { session, out, signal }) => {
  const resource = (args[0] ?? 'deployments').replace(/^deploy(ment)?s?$/, 'deployments').replace(/^routes?$/, 'routes');
  if (resource !== 'deployments' && resource !== 'routes') throw new UsageError('stat: deployments or routes');
  if (args.length > 1) throw new UsageError('stat takes at most one argument');
  const s = await meshStat(session, resource, signal);
  const head = resource === 'routes' ? ['ROUTE', 'SERVICE'] : ['NAME', 'MESHED'];
  await out.line('stdout', [pad(head[0], 28), pad(head[1], 16), pad('SUCCESS', 9), pad('REQUESTS', 9), pad('P50', 9), pad('P95', 9), 'P99'].join(' '));
  const ms = (v: number | null) => (v === null ? '-' : `${v}ms`);
  for (const r of s.rows) {
    const second = resource === 'routes' ? (r.service ?? '') : String(r.meshedPods ?? 0);
    const success = r.successRate === null ? '-' : `${(r.successRate * 100).toFixed(2)}%`;
    await out.line('stdout', [pad(r.name, 28), pad(second, 16), pad(success, 9), pad(String(r.requests), 9), pad(ms(r.latencyMs.p50), 9), pad(ms(r.latencyMs.p95), 9), ms(r.latencyMs.p99)].join(' '));
  }
  for (const e of s.errors) await out.line('stderr', `warning: ${e}`);
  return { exitCode: 0 };
};

const tap: Builtin = async (args, { session, out, signal }) => {
  const params: OpParams<'tapMesh'> = { maxEvents: 100, durationSeconds: 30 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--max') params.maxEvents = Math.min(1000, Math.max(1, Number(takeValue(args, i++, a)) || 1));
    else if (a === '--duration') params.durationSeconds = Math.min(300, Math.max(1, Number(takeValue(args, i++, a)) || 1));
    else if (a === '--path') {
      const p = takeValue(args, i++, a);
      if (!p.startsWith('/')) throw new UsageError('--path: a prefix starting with /');
      params.pathPrefix = p;
    } else if (!a.startsWith('-')) params.deployment = a.replace(/^deploy(ment)?\//, '');
    else throw new UsageError(`tap: unsupported option ${a}`);
  }
  const summary = await tapSession(
    session,
    params,
    (e) => out.line('stdout', `${e.direction === 'inbound' ? 'in ' : 'out'} ${e.method} ${e.authority ?? ''}${e.path} → ${e.status} ${e.latencyMs ?? '?'}ms${e.proxy && typeof e.proxy === 'object' && 'pod' in e.proxy ? ` [${String((e.proxy as { pod: unknown }).pod)}]` : ''}`),
    signal,
  );
  for (const e of summary.errors ?? []) await out.line('stderr', `warning: ${e}`);
  await out.line('stderr', `${summary.events} requests from ${summary.pods} pods (${summary.reason})`);
  return { exitCode: 0 };
};

const topology: Builtin = async (_args, { session, out, signal }) => {
  const t = await sessionTopology(session.kube, session.namespace, signal);
  for (const s of t.services) await out.line('stdout', `service ${s.name} → ${s.workloads.join(', ') || '(no workloads)'}`);
  for (const w of t.workloads) await out.line('stdout', `workload ${w.name} ${w.available}/${w.replicas}${w.meshed ? ' meshed' : ''}`);
  for (const r of t.routes)
    for (const rule of r.rules) await out.line('stdout', `route ${r.name} (${r.parents.join(', ')}) → ${rule.backends.map((b) => `${b.name}=${b.weight}`).join(' ')}`);
  for (const s of t.splits) await out.line('stdout', `split ${s.name} (${s.service}) → ${s.backends.map((b) => `${b.name}=${b.weight}`).join(' ')}`);
  return { exitCode: 0 };
};

const help: Builtin = async (_args, { out }) => {
  await out.write('stdout', HELP_TEXT);
  return { exitCode: 0 };
};

export const BUILTINS: Record<string, Builtin> = { curl, stat, tap, topology, load, help };

/** Runs a builtin; usage mistakes and API errors become stderr text and an exit code, as a shell shows them. */
export async function runBuiltin(fn: Builtin, args: string[], ctx: BuiltinContext): Promise<ProgramResult> {
  try {
    return await fn(args, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      await ctx.out.line('stderr', err.message);
      return { exitCode: 2 };
    }
    if (err instanceof ApiError) {
      if (err.reason === 'Cancelled') return { exitCode: 130 };
      await ctx.out.line('stderr', `error: ${err.message}`);
      return { exitCode: 1 };
    }
    throw err;
  }
}
