// Multi-tenancy under load, against the embedded sandbox in a child process (`playground sandbox`) so the
// server's memory is measured apart from the cluster's:
//  1. 100 sessions created at once, each from its own client address (as 100 learners would), with the sample
//     apps: errors (goal 0), create p50/p99, server RSS per session;
//  2. a bystander session's operations (describe, list, in-mesh request) while quiet, during a replica bomb
//     (a tenant applies a Deployment with replicas: 100000) and during a session flood (one client asking for
//     200 sessions at once): their p99 and its ratio to the quiet p99.
// The machine is shared: read the ratios.
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPlaygroundServer } from '../playground-server/server.js';
import { pct, rssOf, SITE, startChildSandbox } from './lib/child-sandbox.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SESSIONS = Number(process.env.TENANCY_BENCH_SESSIONS ?? 100);
const APPS = (process.env.TENANCY_BENCH_APPS ?? 'httpbin').split(',');
const BYSTANDER_ROUNDS = 20;
const FLOOD_REQUESTS = 200;
const mb = (b: number) => b / 1024 / 1024;

interface Answer {
  status: number;
  body: any;
}

/** One API call from a given client address (each simulated learner has its own 127.x address). */
function call(base: string, method: string, path: string, opts: { token?: string; body?: unknown; from?: string } = {}): Promise<Answer> {
  const url = new URL(path, base);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress: opts.from,
        headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
        timeout: 300_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // streaming answers are NDJSON; the caller only needs the status then
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(payload);
  });
}



async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 300));
    gc();
  }
  return process.memoryUsage();
}

/** The bystander's operations, timed; returns their latencies in ms and how many failed. */
async function bystanderRounds(base: string, token: string): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  for (let i = 0; i < BYSTANDER_ROUNDS; i++) {
    for (const [method, path, body] of [
      ['GET', '/api/session', undefined],
      ['GET', '/api/session/resources/pods', undefined],
      ['POST', '/api/session/requests', { url: 'http://httpbin:8000/get' }],
    ] as const) {
      const t = performance.now();
      const r = await call(base, method, path, { token, body, from: '127.9.0.1' });
      latencies.push(performance.now() - t);
      if (r.status >= 400 || r.status === 0) errors++;
    }
  }
  return { latencies, errors };
}

const cluster = await startChildSandbox('bench-tenancy-');
const { dir, kubeconfig } = cluster;
const sandbox = cluster.process;
try {
  const server = await startPlaygroundServer({ host: '127.0.0.1', port: 0, kubeconfigPath: kubeconfig, siteDir: SITE, dataDir: dir, logLevel: 'warn', maxSessions: SESSIONS + 10, readyTimeoutMs: 600_000 });
  const base = server.url;
  const before = await settledMemory();
  const sandboxBefore = rssOf(sandbox.pid!);

  // 1. SESSIONS learners at once, each from its own address.
  const createLatencies: number[] = [];
  const createErrors: string[] = [];
  const t0 = performance.now();
  const created = await Promise.all(
    Array.from({ length: SESSIONS }, async (_, i) => {
      const t = performance.now();
      const r = await call(base, 'POST', '/api/sessions', { body: { apps: APPS }, from: `127.8.${Math.floor(i / 250)}.${(i % 250) + 1}` });
      createLatencies.push(performance.now() - t);
      if (r.status !== 201) createErrors.push(`${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
      return r.status === 201 ? (r.body.token as string) : undefined;
    }),
  );
  const createdIn = performance.now() - t0;
  const tokens = created.filter((t): t is string => !!t);
  const idle = await settledMemory();
  const sandboxIdle = rssOf(sandbox.pid!);
  process.stdout.write(`sessions: ${tokens.length}/${SESSIONS} created at once (apps: ${APPS.join(', ')}) in ${(createdIn / 1000).toFixed(1)} s\n`);
  process.stdout.write(`createSession: p50 ${(pct(createLatencies, 50) / 1000).toFixed(1)} s, p99 ${(pct(createLatencies, 99) / 1000).toFixed(1)} s; errors ${createErrors.length} (goal 0)${createErrors.length ? ` e.g. ${createErrors.slice(0, 3).join(' | ')}` : ''}\n`);
  process.stdout.write(`server memory per session: ${(mb(idle.rss - before.rss) / Math.max(1, tokens.length)).toFixed(2)} MB RSS, ${(mb(idle.heapUsed - before.heapUsed) / Math.max(1, tokens.length)).toFixed(3)} MB heap; sandbox RSS per session (for scale): ${(mb(sandboxIdle - sandboxBefore) / Math.max(1, tokens.length)).toFixed(2)} MB\n`);

  // 2. A bystander's operations: quiet, during a replica bomb, during a session flood.
  const [bystander, bomber] = tokens;
  const quiet = await bystanderRounds(base, bystander);
  const bomb = await call(base, 'POST', '/api/session/resources', {
    token: bomber,
    body: { manifest: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bomb}\nspec:\n  replicas: 100000\n  selector: {matchLabels: {app: bomb}}\n  template:\n    metadata: {labels: {app: bomb}}\n    spec: {containers: [{name: app, image: playground/httpbin:v1}]}\n' },
  });
  const duringBomb = await bystanderRounds(base, bystander);
  const flood = Promise.all(Array.from({ length: FLOOD_REQUESTS }, () => call(base, 'POST', '/api/sessions', { body: { apps: ['httpbin'] }, from: '127.7.0.1' })));
  const duringFlood = await bystanderRounds(base, bystander);
  const floodAnswers = await flood;
  const accepted = floodAnswers.filter((r) => r.status === 201).length;
  const limited = floodAnswers.filter((r) => r.status === 429).length;
  const full = floodAnswers.filter((r) => r.status === 503).length;

  const q99 = pct(quiet.latencies, 99);
  const line = (name: string, r: { latencies: number[]; errors: number }) =>
    `${name.padEnd(26)} p50 ${pct(r.latencies, 50).toFixed(1).padStart(7)} ms  p99 ${pct(r.latencies, 99).toFixed(1).padStart(7)} ms  (${(pct(r.latencies, 99) / q99).toFixed(2)}× quiet p99)  errors ${r.errors}/${r.latencies.length}\n`;
  process.stdout.write(`bystander session's operations (describe, list pods, in-mesh request) × ${BYSTANDER_ROUNDS}:\n`);
  process.stdout.write(line('quiet', quiet));
  process.stdout.write(line(`during a replica bomb (${bomb.status})`, duringBomb));
  process.stdout.write(line('during a session flood', duringFlood));
  process.stdout.write(`session flood from one client: ${FLOOD_REQUESTS} asked, ${accepted} created, ${limited} refused by the per-client limit (429), ${full} by capacity (503)\n`);
  process.stdout.write(`server RSS at the end: ${mb(process.memoryUsage().rss - before.rss).toFixed(1)} MB above baseline; sandbox RSS ${mb(rssOf(sandbox.pid!)).toFixed(0)} MB\n`);
  await server.close();
  process.exitCode = createErrors.length || duringBomb.errors || duringFlood.errors ? 1 : 0;
} finally {
  await cluster.stop();
}
