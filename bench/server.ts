// The playground server under 50 concurrent sessions, against the embedded sandbox in a child process
// (`playground sandbox`), so the server's own memory is measured apart from the cluster's:
//  1. 50 sessions created at once (namespace, token, httpbin + curl meshed and available);
//  2. server memory per idle session (goal ≤ 15 MB) and the sandbox's memory per session, for scale;
//  3. each session at once: apply an HTTPRoute, send requests through the mesh, read stats and topology.
// Prints errors (goal 0) and per-operation latency percentiles; the machine is shared, so read ratios.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startPlaygroundServer } from '../playground-server/server.js';
import { pct, rssOf, SITE, startChildSandbox } from './lib/child-sandbox.js';
import { TimedOperations } from './lib/timed-operations.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SESSIONS = Number(process.env.SERVER_BENCH_SESSIONS ?? 50);
const REQUESTS_PER_SESSION = Number(process.env.SERVER_BENCH_REQUESTS ?? 5);
const PER_SESSION_GOAL_MB = 15;
const mb = (b: number) => b / 1024 / 1024;

const ROUTE = `apiVersion: v1
kind: Service
metadata: {name: httpbin-canary}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httpbin-split}
spec:
  parentRefs: [{group: "", kind: Service, name: httpbin, port: 8000}]
  rules:
  - backendRefs:
    - {name: httpbin, port: 8000, weight: 90}
    - {name: httpbin-canary, port: 8000, weight: 10}
`;

const timed = new TimedOperations();
const { latencies, errorSamples } = timed;
const op = timed.op.bind(timed);

async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 300));
    gc();
  }
  return process.memoryUsage();
}

const cluster = await startChildSandbox('bench-server-');
const { dir, kubeconfig } = cluster;
const sandbox = cluster.process;
try {
  const server = await startPlaygroundServer({ host: '127.0.0.1', port: 0, kubeconfigPath: kubeconfig, siteDir: SITE, dataDir: dir, logLevel: 'warn', maxSessions: SESSIONS + 10, rateLimit: { perSecond: 1000, burst: 1000 }, sessionClientLimits: { createBurst: SESSIONS, createPerMinute: 60, maxLivePerClient: SESSIONS } });
  const base = server.url;
  const before = await settledMemory();
  const sandboxBefore = rssOf(sandbox.pid!);

  const t0 = performance.now();
  const sessions = (await Promise.all(Array.from({ length: SESSIONS }, () => op('createSession', base, 'POST', '/api/sessions', undefined, { apps: ['httpbin'] })))).filter(Boolean) as { token: string }[];
  const createdIn = performance.now() - t0;
  const idle = await settledMemory();
  const sandboxIdle = rssOf(sandbox.pid!);

  const t1 = performance.now();
  await Promise.all(
    sessions.map(async ({ token }) => {
      await op('applyResources', base, 'POST', '/api/session/resources', token, { manifest: ROUTE });
      for (let i = 0; i < REQUESTS_PER_SESSION; i++) await op('sendRequest', base, 'POST', '/api/session/requests', token, { url: 'http://httpbin:8000/get' });
      await op('getMeshStat', base, 'GET', '/api/session/mesh/stat', token);
      await op('getMeshStat(routes)', base, 'GET', '/api/session/mesh/stat?resource=routes', token);
      await op('getTopology', base, 'GET', '/api/session/mesh/topology', token);
      await op('describeSession', base, 'GET', '/api/session', token);
    }),
  );
  const workedIn = performance.now() - t1;
  const busy = await settledMemory();

  const all: number[] = [];
  process.stdout.write(`sessions: ${sessions.length}/${SESSIONS} created concurrently in ${(createdIn / 1000).toFixed(1)} s; work phase ${(workedIn / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${'operation'.padEnd(22)} ${'count'.padStart(6)} ${'p50 ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'p99 ms'.padStart(9)}\n`);
  for (const [name, xs] of latencies) {
    if (name !== 'createSession') all.push(...xs);
    process.stdout.write(`${name.padEnd(22)} ${String(xs.length).padStart(6)} ${pct(xs, 50).toFixed(1).padStart(9)} ${pct(xs, 95).toFixed(1).padStart(9)} ${pct(xs, 99).toFixed(1).padStart(9)}\n`);
  }
  process.stdout.write(`all operations after create: p99 ${pct(all, 99).toFixed(1)} ms over ${all.length} operations\n`);
  process.stdout.write(`errors: ${timed.errors} (goal 0)${errorSamples.length ? ` e.g. ${errorSamples.join(' | ')}` : ''}\n`);
  const perSessionRss = mb(idle.rss - before.rss) / Math.max(1, sessions.length);
  const perSessionHeap = mb(idle.heapUsed - before.heapUsed) / Math.max(1, sessions.length);
  process.stdout.write(`server memory per idle session: ${perSessionRss.toFixed(2)} MB RSS, ${perSessionHeap.toFixed(2)} MB heap (goal ≤ ${PER_SESSION_GOAL_MB} MB: ${(perSessionRss / PER_SESSION_GOAL_MB).toFixed(2)}× the goal)\n`);
  process.stdout.write(`server memory after the work phase: ${mb(busy.rss - before.rss).toFixed(1)} MB RSS above baseline (${(mb(busy.rss - before.rss) / Math.max(1, sessions.length)).toFixed(2)} MB per session)\n`);
  process.stdout.write(`sandbox memory per session (httpbin + curl, both meshed; for scale): ${(mb(sandboxIdle - sandboxBefore) / Math.max(1, sessions.length)).toFixed(2)} MB RSS\n`);
  await server.close();
  process.exitCode = timed.errors ? 1 : 0;
} finally {
  await cluster.stop();
}
