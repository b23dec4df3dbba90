// The cost of an Istio AuthorizationPolicy on the request path, measured in one run (ratios, not absolutes): requests
// through a meshed pair (sleep's sidecar → mTLS → httpbin's sidecar → httpbin), one at a time on one keep-alive
// connection (closed model: service time, no queueing on a shared 2-core machine), alternately without any
// policy and with one ALLOW policy of 20 rules whose LAST rule is the one the request matches (every rule is tried),
// in interleaved rounds so drift hits both sides alike. Reports the added p50 against the goal (≤ 0.05 ms),
// and, for scale, the policy evaluation alone per request (the compiled layer called in-process).
import { startSandbox, applyObjects, parseManifest, readManifest, authorizationLayer, policiesFor, type Sandbox, type KubeObject } from '../sandbox/index.js';
import { runLoadTest } from '../playground-server/loadgen/coordinator.js';
import { summarize } from '../playground-server/loadgen/histogram.js';

const NS = 'bench-authz';
const ROUND_MS = Number(process.env.AUTHZ_BENCH_MS ?? 1500);
const ROUNDS = Number(process.env.AUTHZ_BENCH_ROUNDS ?? 10);
const GOAL_MS = 0.05;

/** 20 rules in the shape tasks write them; only the last one admits `GET /get` from sleep. */
function twentyRulePolicy(): KubeObject {
  const rules = Array.from({ length: 19 }, (_, i) => ({
    from: [{ source: { principals: [`cluster.local/ns/${NS}/sa/client-${i}`] } }],
    to: [{ operation: { methods: ['GET', 'POST'], paths: [`/api/v${i}/*`] } }],
    when: [{ key: 'request.headers[x-tenant]', values: [`tenant-${i}`] }],
  }));
  rules.push({
    from: [{ source: { principals: [`cluster.local/ns/${NS}/sa/sleep`] } }],
    to: [{ operation: { methods: ['GET'], paths: ['/get'] } }],
    when: [{ key: 'request.headers[user-agent]', values: ['*'] }],
  });
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'twenty-rules', namespace: NS },
    spec: { selector: { matchLabels: { app: 'httpbin' } }, action: 'ALLOW', rules },
  } as KubeObject;
}

async function p50(url: string): Promise<{ p50: number; non2xx: number; errors: number }> {
  const r = await runLoadTest({ url, headers: { host: 'httpbin:8000' }, rps: null, durationMs: ROUND_MS, warmupMs: 300, connections: 1, workers: 1, transport: 'worker', timeoutMs: 5000 });
  const non2xx = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith('2')).reduce((a, [, n]) => a + n, 0);
  return { p50: summarize(r.latency.uncorrected).p50 / 1000, non2xx, errors: Object.values(r.errors).reduce((a, b) => a + b, 0) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The compiled layer alone: µs per authorize() for the matching request (evaluates all 20 rules). */
function evaluationCost(policy: KubeObject): number {
  const pod = { namespace: NS, name: 'httpbin-x', ip: '10.0.0.2', serviceAccount: 'httpbin', meshed: true, labels: { app: 'httpbin' } };
  const layer = authorizationLayer(pod, policiesFor(pod, [policy], []))!;
  const facts = { port: 8080, tls: true, peerIdentity: `spiffe://cluster.local/ns/${NS}/sa/sleep`, sourceIP: '10.0.0.3', method: 'GET', path: '/get', headers: { host: 'httpbin:8000', 'user-agent': 'bench' }, authority: 'httpbin:8000' };
  if (layer.authorize!(facts)) throw new Error('the bench request must be allowed by the last rule');
  const n = 200_000;
  for (let i = 0; i < n; i++) layer.authorize!(facts); // warm
  const t0 = performance.now();
  for (let i = 0; i < n; i++) layer.authorize!(facts);
  return ((performance.now() - t0) * 1000) / n;
}

async function main(): Promise<void> {
  const sb: Sandbox = await startSandbox({ serveApi: false, readinessIntervalMs: 200 });
  try {
    sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'istio-injection': 'enabled' } } });
    applyObjects(sb.api, parseManifest(readManifest('httpbin')), NS);
    applyObjects(sb.api, parseManifest(readManifest('sleep')), NS);
    await sb.waitForReady(NS, 30_000);
    const sleep = sb.api.list(sb.api.type('', 'pods'), NS).items.find((p) => p.metadata.name!.startsWith('sleep'))!;
    const url = `http://${sb.runtime.addressesOf(NS, sleep.metadata.name!)!.localHost}:15001/get`;
    const type = sb.api.type('security.istio.io', 'authorizationpolicies');
    const policy = twentyRulePolicy();
    const cp = sb.mesh!.controlPlane;

    await p50(url); // warm both paths (JIT, pools, TLS sessions)
    const without: number[] = [];
    const withPolicy: number[] = [];
    let bad = 0;
    console.log(`meshed pair, one request at a time, ${ROUNDS} interleaved rounds of ${ROUND_MS / 1000}s each side:`);
    const withThePolicy = async () => {
      sb.api.create(type, structuredClone(policy));
      await cp.settled();
      // The policy is in force: a request no rule admits is denied (on the pooled connection the round then uses).
      const denied = await sb.runtime.requestFrom(NS, sleep.metadata.name!, { url: 'http://httpbin:8000/ip' });
      if (denied.status !== 403) throw new Error(`expected the 20-rule policy to deny GET /ip, got ${denied.status}`);
      const r = await p50(url);
      sb.api.delete(type, NS, policy.metadata.name!);
      await cp.settled();
      return r;
    };
    for (let round = 0; round < ROUNDS; round++) {
      // ABBA: every other round measures the policy first, so an order effect does not pass for the policy's cost.
      const first = round % 2 === 0;
      const b = first ? await withThePolicy() : undefined;
      const a = await p50(url);
      const b2 = b ?? (await withThePolicy());
      without.push(a.p50);
      withPolicy.push(b2.p50);
      bad += a.non2xx + a.errors + b2.non2xx + b2.errors;
      console.log(`  round ${round + 1}${first ? ' (policy first)' : ''}: p50 without ${a.p50.toFixed(3)} ms, with 20-rule policy ${b2.p50.toFixed(3)} ms`);
    }
    if (bad) console.log(`  (${bad} non-2xx or failed requests: the figures below are suspect)`);
    const base = median(without);
    const withP = median(withPolicy);
    // Paired by round (each pair ran back to back), the median difference resists the machine's drift best.
    const added = median(withPolicy.map((w, i) => w - without[i]));
    console.log(`median p50: without ${base.toFixed(3)} ms, with ${withP.toFixed(3)} ms (ratio ${(withP / base).toFixed(3)}); median paired difference ${added.toFixed(3)} ms  (goal ≤ ${GOAL_MS} ms added: ${added <= GOAL_MS ? 'met' : 'NOT met'})`);
    const us = evaluationCost(policy);
    console.log(`policy evaluation alone (compiled layer, all 20 rules tried): ${us.toFixed(2)} µs per request = ${((us / 1000 / base) * 100).toFixed(2)}% of the meshed p50`);
  } finally {
    await sb.stop();
  }
}

await main();
