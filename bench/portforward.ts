// `kubectl port-forward` throughput through the sandbox against dialling the pod directly, both transports kubectl
// 1.32 speaks (SPDY/3.1 tunnelled in WebSocket, and plain SPDY/3.1 with KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
// Rounds interleave forwarded and direct downloads (same request pattern: 1 MiB GETs of httpbin's /bytes, one
// fresh connection each) so a noisy, shared machine slows both alike; the ratio is what to read.
// Run: PF_BENCH_MIB=16 PF_BENCH_ROUNDS=3 node --import tsx bench/portforward.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, applyObjects, parseManifest, readManifest, type Pod } from '../sandbox/index.js';
import { download, freePort } from './lib/byte-download.js';

const MIB = Number(process.env.PF_BENCH_MIB ?? 16);
const ROUNDS = Number(process.env.PF_BENCH_ROUNDS ?? 3);
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const NS = 'bench';

async function startForward(kubeconfig: string, dir: string, pod: string, env: Record<string, string>): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'port-forward', '-n', NS, `pod/${pod}`, `${port}:8080`], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('port-forward did not start in 15 s')), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (String(d).includes('Forwarding from')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => reject(new Error(`kubectl port-forward exited ${code}`)));
  });
  child.stdout!.resume();
  return { port, child };
}

/** CPU seconds a child has used so far (Linux /proc; utime + stime at 100 ticks/s), to see whether kubectl is the limit. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pf-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sb = await startSandbox({ kubeconfigPath: kubeconfig });
  const children: ChildProcess[] = [];
  try {
    sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    applyObjects(sb.api, parseManifest(readManifest('httpbin')), NS);
    await sb.waitForReady(NS, 30_000);
    const pod = (sb.api.list(sb.api.type('', 'pods'), NS).items as Pod[]).find((p) => p.metadata.labels?.app === 'httpbin' && p.status?.podIP)!;
    const podIP = pod.status!.podIP!;
    const ws = await startForward(kubeconfig, dir, pod.metadata.name!, {});
    const spdy = await startForward(kubeconfig, dir, pod.metadata.name!, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    children.push(ws.child, spdy.child);
    await download('127.0.0.1', ws.port, 2);
    await download('127.0.0.1', spdy.port, 2);
    await download(podIP, 8080, 2);
    const cpu0 = { ws: cpuSeconds(ws.child.pid), spdy: cpuSeconds(spdy.child.pid), self: process.cpuUsage() };
    const r = { direct: [] as number[], ws: [] as number[], spdy: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      r.ws.push(await download('127.0.0.1', ws.port, MIB));
      r.direct.push(await download(podIP, 8080, MIB));
      r.spdy.push(await download('127.0.0.1', spdy.port, MIB));
    }
    const self = process.cpuUsage(cpu0.self);
    const cpu = { ws: cpuSeconds(ws.child.pid) - cpu0.ws, spdy: cpuSeconds(spdy.child.pid) - cpu0.spdy, self: (self.user + self.system) / 1e6 };
    const d = median(r.direct);
    console.log(`port-forward bench: ${ROUNDS} rounds × ${MIB} MiB, node ${process.version}`);
    console.log(`direct to the pod IP            ${d.toFixed(0).padStart(5)} MiB/s   [${r.direct.map((x) => x.toFixed(0)).join(' ')}]`);
    console.log(`port-forward (WebSocket tunnel) ${median(r.ws).toFixed(0).padStart(5)} MiB/s   ${((median(r.ws) / d) * 100).toFixed(0)}% of direct   [${r.ws.map((x) => x.toFixed(0)).join(' ')}]`);
    console.log(`port-forward (plain SPDY)       ${median(r.spdy).toFixed(0).padStart(5)} MiB/s   ${((median(r.spdy) / d) * 100).toFixed(0)}% of direct   [${r.spdy.map((x) => x.toFixed(0)).join(' ')}]`);
    console.log(`CPU seconds in the measured rounds: this process (sandbox + client) ${cpu.self.toFixed(2)}, kubectl (WebSocket) ${cpu.ws.toFixed(2)}, kubectl (SPDY) ${cpu.spdy.toFixed(2)}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
