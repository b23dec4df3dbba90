// The embedded sandbox's own cost, measured in one run on this machine:
//  1. time from startSandbox() to bookinfo all Ready (goal ≤ 3 s), several cold starts, median and worst;
//  2. process RSS with bookinfo + sleep running (goal ≤ 250 MB for the whole sandbox);
//  3. RSS growth per extra pod: scale a deployment by +N pods, un-meshed and meshed (goal ≤ 10 MB per pod).
// Figures are ratios to the goals as well as absolutes: the machine is shared and noisy.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSandbox, applyObjects, parseManifest, readManifest, type Sandbox, type Deployment } from '../sandbox/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STARTS = Number(process.env.SANDBOX_BENCH_STARTS ?? 5);
const EXTRA_PODS = Number(process.env.SANDBOX_BENCH_PODS ?? 50);
const READY_GOAL_MS = 3000;
const RSS_GOAL_MB = 250;
const PER_POD_GOAL_MB = 10;

const mb = (bytes: number) => bytes / 1024 / 1024;

async function settled(): Promise<NodeJS.MemoryUsage> {
  // Let timers, sockets and the readiness ticker settle, then collect before reading memory.
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 300));
    gc();
  }
  return process.memoryUsage();
}

async function timeToReady(): Promise<number> {
  const t0 = performance.now();
  const sb = await startSandbox({ deploySample: true });
  await sb.waitForReady('default', 30_000);
  const elapsed = performance.now() - t0;
  await sb.stop();
  return elapsed;
}

async function scaleBy(sb: Sandbox, namespace: string, name: string, extra: number): Promise<void> {
  const t = sb.api.type('apps', 'deployments');
  const d = sb.api.get(t, namespace, name) as Deployment;
  d.spec.replicas = (d.spec.replicas ?? 1) + extra;
  sb.api.update(t, d);
  await sb.waitForReady(namespace, 60_000);
}

/** RSS and JS heap growth per pod (MB). RSS rarely shrinks, so the heap figure shows the live cost too. */
async function perPod(sb: Sandbox, namespace: string, meshed: boolean): Promise<{ rss: number; heap: number }> {
  sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: meshed ? { 'linkerd.io/inject': 'enabled' } : {} } });
  applyObjects(sb.api, parseManifest(readManifest('httpbin')), namespace);
  await sb.waitForReady(namespace, 30_000);
  const before = await settled();
  await scaleBy(sb, namespace, 'httpbin', EXTRA_PODS);
  const after = await settled();
  return { rss: mb(after.rss - before.rss) / EXTRA_PODS, heap: mb(after.heapUsed + after.external - before.heapUsed - before.external) / EXTRA_PODS };
}

async function main(): Promise<void> {
  // Memory first, in a fresh process: earlier sandboxes would leave a high-water mark that hides growth.
  const firstStart = performance.now();
  const sb = await startSandbox({ deploySample: true });
  let firstReady = 0;
  try {
    await sb.waitForReady('default', 30_000);
    firstReady = performance.now() - firstStart;
    await sb.waitForReady('default', 30_000);
    applyObjects(sb.api, parseManifest(readManifest('sleep')), 'default');
    await sb.waitForReady('default', 30_000);
    const pods = sb.api.list(sb.api.type('', 'pods'), 'default').items.length;
    const rssSample = mb((await settled()).rss);
    const plain = await perPod(sb, 'bench-plain', false);
    const meshed = await perPod(sb, 'bench-meshed', true);
    const total = mb(process.memoryUsage().rss);
    const podsRunning = sb.runtime.podCount;
    await sb.stop();

    // Then start-up time: the first start above paid for module loading and JIT; these are warm.
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) starts.push(await timeToReady());
    starts.sort((a, b) => a - b);
    const median = starts[Math.floor(starts.length / 2)];
    const worst = starts[starts.length - 1];

    const row = (name: string, value: string, goal: string, ratio: number) =>
      console.log(`${name.padEnd(44)} ${value.padStart(12)}   goal ${goal.padEnd(9)} ${(ratio * 100).toFixed(0).padStart(4)}% of goal`);
    console.log(`sandbox bench: ${STARTS} starts after the first, +${EXTRA_PODS} pods per scale-up, node ${process.version}`);
    row('startSandbox() → bookinfo Ready (first, cold)', `${firstReady.toFixed(0)} ms`, `${READY_GOAL_MS} ms`, firstReady / READY_GOAL_MS);
    row('startSandbox() → bookinfo Ready (median)', `${median.toFixed(0)} ms`, `${READY_GOAL_MS} ms`, median / READY_GOAL_MS);
    row('startSandbox() → bookinfo Ready (worst)', `${worst.toFixed(0)} ms`, `${READY_GOAL_MS} ms`, worst / READY_GOAL_MS);
    row(`RSS with the sample app (${pods} pods)`, `${rssSample.toFixed(1)} MB`, `${RSS_GOAL_MB} MB`, rssSample / RSS_GOAL_MB);
    row('RSS growth per extra pod (un-meshed)', `${plain.rss.toFixed(2)} MB`, `${PER_POD_GOAL_MB} MB`, plain.rss / PER_POD_GOAL_MB);
    row('  JS heap + external growth per pod', `${plain.heap.toFixed(2)} MB`, `${PER_POD_GOAL_MB} MB`, plain.heap / PER_POD_GOAL_MB);
    row('RSS growth per extra pod (meshed, with sidecar)', `${meshed.rss.toFixed(2)} MB`, `${PER_POD_GOAL_MB} MB`, meshed.rss / PER_POD_GOAL_MB);
    row('  JS heap + external growth per pod', `${meshed.heap.toFixed(2)} MB`, `${PER_POD_GOAL_MB} MB`, meshed.heap / PER_POD_GOAL_MB);
    console.log(`RSS with ${podsRunning} pods running: ${total.toFixed(1)} MB`);
  } finally {
    await sb.stop();
  }
}

await main();
