// What the upstream-tutorial paths cost, measured in one run on this machine:
//  1. `exec … -- curl` round trip vs the same request through the pods proxy (the try-it path), both sent by
//     @kubernetes/client-node to the sandbox's API server, from the same pod to the same Service;
//  2. `kubectl port-forward` throughput vs dialling the pod directly (1 MiB bodies from httpbin's /bytes);
//  3. Istio's Bookinfo (upstream manifests, injected namespace) from startSandbox() to all pods Ready (goal ≤ 1 s),
//     and heap per pod with it running.
// Ratios are measured in the same run; the machine is shared and noisy.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { startSandbox, applyObjects, parseManifest, readManifest, type Sandbox, type Pod } from '../sandbox/index.js';
import { download, freePort } from './lib/byte-download.js';

const ROUND_TRIPS = Number(process.env.FIDELITY_BENCH_ROUND_TRIPS ?? 60);
const FORWARD_MIB = Number(process.env.FIDELITY_BENCH_FORWARD_MIB ?? 64);
const BOOTS = Number(process.env.FIDELITY_BENCH_BOOTS ?? 5);
const BOOKINFO_READY_GOAL_MS = 1000;
const NS = 'bench';
const UPSTREAM = fileURLToPath(new URL('../test/fixtures/upstream/istio/', import.meta.url));
const KUBECTL = process.env.KUBECTL ?? 'kubectl';

const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

function podsOf(sb: Sandbox, ns: string, app: string): Pod[] {
  return (sb.api.list(sb.api.type('', 'pods'), ns).items as Pod[]).filter((p) => p.metadata.labels?.app === app && p.status?.phase === 'Running');
}

async function allReady(sb: Sandbox, ns: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pods = sb.api.list(sb.api.type('', 'pods'), ns).items as Pod[];
    if (pods.length >= count && pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`pods in ${ns} not Ready in ${timeoutMs} ms`);
}

async function timed(n: number, once: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** One exec of curl in the pod, as `kubectl exec` does it (WebSocket v5), to completion. */
function execCurl(kc: KubeConfig, pod: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    new Exec(kc)
      .exec(NS, pod, 'curl', ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', url], sink(), sink(), null, false, (s) => (s.status === 'Success' ? resolve() : reject(new Error(JSON.stringify(s)))))
      .catch(reject);
  });
}

/** The same request through the pods proxy to the playground curl app's /fetch (how try-it sends it). */
async function proxyFetch(kc: KubeConfig, pod: string, url: string): Promise<void> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const opts: RequestOptions = { host: server.hostname, port: server.port, method: 'GET', path: `/api/v1/namespaces/${NS}/pods/${pod}:8080/proxy/fetch?url=${encodeURIComponent(url)}` };
  await kc.applyToHTTPSOptions(opts);
  await new Promise<void>((resolve, reject) => {
    const req = httpsRequest(opts, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`proxy answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function portForwardThroughput(sb: Sandbox, kubeconfig: string, dir: string): Promise<{ direct: number; forwarded: number }> {
  const pod = podsOf(sb, NS, 'httpbin')[0];
  const podIP = pod.status!.podIP!;
  const port = await freePort();
  const fwd = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'port-forward', '-n', NS, `pod/${pod.metadata.name}`, `${port}:8080`], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('port-forward did not start in 15 s')), 15_000);
      fwd.stdout!.on('data', (d: Buffer) => {
        if (String(d).includes('Forwarding from')) {
          clearTimeout(timer);
          resolve();
        }
      });
      fwd.once('exit', (code) => reject(new Error(`kubectl port-forward exited ${code}`)));
    });
    fwd.stdout!.resume();
    await download('127.0.0.1', port, 2); // warm-up
    await download(podIP, 8080, 2);
    // Interleaved 1 MiB at a time, so load from others on the machine falls on both paths alike.
    let forwardedMs = 0;
    let directMs = 0;
    for (let i = 0; i < FORWARD_MIB; i++) {
      const t0 = performance.now();
      await download('127.0.0.1', port, 1);
      const t1 = performance.now();
      await download(podIP, 8080, 1);
      forwardedMs += t1 - t0;
      directMs += performance.now() - t1;
    }
    return { direct: FORWARD_MIB / (directMs / 1000), forwarded: FORWARD_MIB / (forwardedMs / 1000) };
  } finally {
    fwd.kill('SIGTERM');
  }
}

async function bookinfoBoot(): Promise<{ readyMs: number; heapPerPodMb: number; pods: number }> {
  const objects = [...parseManifest(readFileSync(join(UPSTREAM, 'bookinfo.yaml'), 'utf8')), ...parseManifest(readFileSync(join(UPSTREAM, 'bookinfo-versions.yaml'), 'utf8'))];
  const t0 = performance.now();
  const sb = await startSandbox({});
  try {
    sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } } });
    const heapBefore = process.memoryUsage().heapUsed;
    applyObjects(sb.api, objects, 'bookinfo');
    await allReady(sb, 'bookinfo', 6, 30_000);
    const readyMs = performance.now() - t0;
    const pods = sb.runtime.podCount;
    return { readyMs, heapPerPodMb: (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024 / 6, pods };
  } finally {
    await sb.stop();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fidelity-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sb = await startSandbox({ kubeconfigPath: kubeconfig });
  let exec: number[] = [];
  let proxy: number[] = [];
  let forward = { direct: 0, forwarded: 0 };
  try {
    sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    applyObjects(sb.api, [...parseManifest(readManifest('httpbin')), ...parseManifest(readManifest('sleep'))], NS);
    applyObjects(sb.api, [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'curl', labels: { app: 'curl' } }, spec: { containers: [{ name: 'curl', image: 'playground/curl:v1', ports: [{ containerPort: 8080 }] }] } }], NS);
    await sb.waitForReady(NS, 30_000);
    await allReady(sb, NS, 3, 30_000);
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const url = 'http://httpbin:8000/get';
    await timed(5, () => execCurl(kc, 'curl', url)); // warm-up
    await timed(5, () => proxyFetch(kc, 'curl', url));
    exec = await timed(ROUND_TRIPS, () => execCurl(kc, 'curl', url));
    proxy = await timed(ROUND_TRIPS, () => proxyFetch(kc, 'curl', url));
    forward = await portForwardThroughput(sb, kubeconfig, dir);
  } finally {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const boots: { readyMs: number; heapPerPodMb: number }[] = [];
  for (let i = 0; i < BOOTS; i++) boots.push(await bookinfoBoot());
  const ready = boots.map((b) => b.readyMs).sort((a, b) => a - b);
  const heap = boots.map((b) => b.heapPerPodMb).sort((a, b) => a - b);

  console.log(`fidelity bench: ${ROUND_TRIPS} round trips each, ${FORWARD_MIB} MiB per transfer, ${BOOTS} Bookinfo boots, node ${process.version}`);
  const row = (name: string, value: string, note = '') => console.log(`${name.padEnd(52)} ${value.padStart(14)}   ${note}`);
  row('exec curl round trip p50 / p99', `${pct(exec, 0.5).toFixed(1)} / ${pct(exec, 0.99).toFixed(1)} ms`, `${(pct(exec, 0.5) / pct(proxy, 0.5)).toFixed(2)}× the pods proxy at p50`);
  row('pods proxy /fetch round trip p50 / p99', `${pct(proxy, 0.5).toFixed(1)} / ${pct(proxy, 0.99).toFixed(1)} ms`);
  row('port-forward throughput', `${forward.forwarded.toFixed(0)} MiB/s`, `${((forward.forwarded / forward.direct) * 100).toFixed(0)}% of direct`);
  row('direct to the pod IP', `${forward.direct.toFixed(0)} MiB/s`);
  row("Istio's Bookinfo: start → all Ready (median)", `${pct(ready, 0.5).toFixed(0)} ms`, `goal ${BOOKINFO_READY_GOAL_MS} ms: ${((pct(ready, 0.5) / BOOKINFO_READY_GOAL_MS) * 100).toFixed(0)}% of goal`);
  row("Istio's Bookinfo: start → all Ready (worst)", `${ready[ready.length - 1].toFixed(0)} ms`);
  row('JS heap per Bookinfo pod (meshed, median)', `${pct(heap, 0.5).toFixed(2)} MB`, 'goal 10 MB');
}

await main();
