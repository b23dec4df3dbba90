// The mesh's data-plane cost, measured in one run on the same machine (ratios, not absolutes):
//  1. latency added by two sidecars (client proxy → mTLS → server proxy) at 1000 rps, open model,
//     p50/p90/p99 vs calling the app directly (goal ≤ 1 ms added at p90);
//  2. throughput through two sidecars at saturation (closed model) as a fraction of direct (goal ≥ 50%);
//  3. memory added per meshed pod: RSS growth for +N meshed pods minus +N plain pods (goal ≤ 10 MB).
// For scale, (2) is also measured for a floor: two relays that only pipe bytes (1:1 connections, TLS between
// them, no HTTP parsing, no routing) — the same six socket hops as two sidecars with no L7 work at all.
// Load comes from the project's load generator (playground-server/loadgen) in a worker thread, so it does
// not share the event loop with the proxies. The target is httpbin's /get in the embedded sandbox.
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startSandbox, applyObjects, parseManifest, readManifest, SandboxCA, generateWorkloadKey, type Sandbox } from '../sandbox/index.js';
import { runLoadTest } from '../playground-server/loadgen/coordinator.js';
import { summarize } from '../playground-server/loadgen/histogram.js';
import type { LoadResult } from '../playground-server/loadgen/result.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const RATE = 1000;
const LATENCY_RUN_MS = Number(process.env.MESH_BENCH_MS ?? 8000);
const SATURATION_RUN_MS = Number(process.env.MESH_BENCH_MS ?? 6000);
const EXTRA_PODS = Number(process.env.MESH_BENCH_PODS ?? 40);

const ms = (us: number) => (us / 1000).toFixed(2);

async function namespace(sb: Sandbox, name: string, meshed: boolean): Promise<void> {
  sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: meshed ? { 'linkerd.io/inject': 'enabled' } : {} } });
  applyObjects(sb.api, parseManifest(readManifest('httpbin')), name);
  if (meshed) applyObjects(sb.api, parseManifest(readManifest('sleep')), name);
  await sb.waitForReady(name, 30_000);
}

function podIPOf(sb: Sandbox, ns: string, prefix: string): { name: string; ip: string } {
  const pod = sb.api.list(sb.api.type('', 'pods'), ns).items.find((p) => p.metadata.name!.startsWith(prefix))!;
  return { name: pod.metadata.name!, ip: (pod.status as { podIP: string }).podIP };
}

async function load(url: string, host: string | undefined, rps: number | null, durationMs: number): Promise<LoadResult> {
  return runLoadTest({
    url,
    headers: host ? { host } : {},
    rps,
    durationMs,
    warmupMs: 1500,
    connections: rps ? 32 : 16,
    workers: 1,
    transport: 'worker',
    timeoutMs: 5000,
  });
}

function describe(label: string, r: LoadResult): { p50: number; p90: number; p99: number; rps: number } {
  const s = summarize(r.latency.uncorrected);
  const c = summarize(r.latency.corrected);
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const non2xx = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith('2')).reduce((a, [, n]) => a + n, 0);
  console.log(
    `${label.padEnd(26)} rps ${r.actualRps.toFixed(0).padStart(6)}  p50 ${ms(s.p50).padStart(6)} ms  p90 ${ms(s.p90).padStart(6)} ms  p99 ${ms(s.p99).padStart(6)} ms` +
      `  (corrected p99 ${ms(c.p99)} ms)  errors ${errors}  non-2xx ${non2xx}  dropped ${r.droppedSends}`,
  );
  return { p50: s.p50, p90: s.p90, p99: s.p99, rps: r.actualRps };
}

async function settle(sb: Sandbox, ns: string, deployment: string, replicas: number): Promise<void> {
  const t = sb.api.type('apps', 'deployments');
  const d = sb.api.get(t, ns, deployment);
  sb.api.update(t, { ...d, spec: { ...(d.spec as object), replicas } });
  await sb.waitForReady(ns, 60_000);
}

/** Two byte-piping relays in front of the app: plaintext in → TLS → plaintext to the app (the floor for any sidecar pair). */
async function pipingRelays(appHost: string, appPort: number): Promise<{ url: string; close(): void }> {
  const ca = await SandboxCA.create();
  const key = await generateWorkloadKey();
  const cert = await ca.issue('spiffe://cluster.local/ns/bench/sa/relay', key.publicKey, 3600_000);
  const splice = (a: Socket, b: Socket): void => {
    a.setNoDelay(true);
    b.setNoDelay(true);
    a.pipe(b).pipe(a);
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
  };
  const server = createTlsServer({ key: key.privateKeyPem, cert: cert.certificatePem }, (s) => splice(s, tcpConnect({ host: appHost, port: appPort })));
  const client = createTcpServer((s) => splice(s, tlsConnect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, ca: ca.rootPem, checkServerIdentity: () => undefined })));
  const listen = (srv: TcpServer) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  await listen(server);
  await listen(client);
  return {
    url: `http://127.0.0.1:${(client.address() as { port: number }).port}/get`,
    close() {
      client.close();
      server.close();
    },
  };
}

function rss(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().rss;
}

async function main(): Promise<void> {
  const sb = await startSandbox({ serveApi: false, readinessIntervalMs: 200 });
  try {
    await namespace(sb, 'bench-plain', false);
    await namespace(sb, 'bench-mesh', true);
    const plain = podIPOf(sb, 'bench-plain', 'httpbin');
    const sleep = podIPOf(sb, 'bench-mesh', 'sleep');
    const sleepLocal = sb.runtime.addressesOf('bench-mesh', sleep.name)!.localHost;
    const direct = `http://${plain.ip}:8080/get`;
    const meshed = `http://${sleepLocal}:15001/get`;

    console.log(`latency at ${RATE} rps (open model, ${LATENCY_RUN_MS / 1000}s, uncorrected = service time):`);
    await load(direct, undefined, RATE, 2000); // warm both paths (JIT, pools, TLS sessions)
    await load(meshed, 'httpbin:8000', RATE, 2000);
    const d = describe('direct → app', await load(direct, undefined, RATE, LATENCY_RUN_MS));
    const m = describe('two sidecars (mTLS) → app', await load(meshed, 'httpbin:8000', RATE, LATENCY_RUN_MS));
    console.log(`added latency: p50 ${ms(m.p50 - d.p50)} ms, p90 ${ms(m.p90 - d.p90)} ms, p99 ${ms(m.p99 - d.p99)} ms  (goal p90 ≤ 1 ms: ${m.p90 - d.p90 <= 1000 ? 'met' : 'NOT met'})`);

    console.log(`\nthroughput at saturation (closed model, 16 connections, ${SATURATION_RUN_MS / 1000}s):`);
    const dt = describe('direct → app', await load(direct, undefined, null, SATURATION_RUN_MS));
    const mt = describe('two sidecars (mTLS) → app', await load(meshed, 'httpbin:8000', null, SATURATION_RUN_MS));
    const relays = await pipingRelays(plain.ip, 8080);
    const ft = describe('floor: 2 piping relays', await load(relays.url, undefined, null, SATURATION_RUN_MS));
    relays.close();
    const ratio = mt.rps / dt.rps;
    console.log(`meshed/direct throughput: ${(ratio * 100).toFixed(1)}%  (goal ≥ 50%: ${ratio >= 0.5 ? 'met' : 'NOT met'}; floor of two byte-piping relays: ${((ft.rps / dt.rps) * 100).toFixed(1)}%)`);

    console.log(`\nmemory: +${EXTRA_PODS} httpbin pods un-meshed, then +${EXTRA_PODS} meshed (RSS after GC):`);
    const r0 = rss();
    await settle(sb, 'bench-plain', 'httpbin', 1 + EXTRA_PODS);
    const r1 = rss();
    await settle(sb, 'bench-mesh', 'httpbin', 1 + EXTRA_PODS);
    // Let every new proxy take its certificate and first snapshot, and drive one request through each pod's sidecar.
    const meshPods = sb.api.list(sb.api.type('', 'pods'), 'bench-mesh').items.filter((p) => p.metadata.name!.startsWith('httpbin'));
    for (const p of meshPods) await sb.runtime.requestFrom('bench-mesh', sleep.name, { url: `http://${(p.status as { podIP: string }).podIP}:8080/get` });
    const r2 = rss();
    const plainPer = (r1 - r0) / EXTRA_PODS;
    const meshedPer = (r2 - r1) / EXTRA_PODS;
    const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
    console.log(`RSS per un-meshed pod ${mb(plainPer)} MB, per meshed pod ${mb(meshedPer)} MB → added by the sidecar ${mb(meshedPer - plainPer)} MB  (goal ≤ 10 MB: ${meshedPer - plainPer <= 10 * 1024 * 1024 ? 'met' : 'NOT met'})`);
    console.log(`(RSS before ${mb(r0)} MB, after plain ${mb(r1)} MB, after meshed ${mb(r2)} MB)`);
  } finally {
    await sb.stop();
  }
}

await main();
