// What the prebuilt data-plane bundle saves: `node --import tsx scripts/measure-data-plane-start.ts [--rounds 3]`.
// Each round runs two fresh processes, one per way the data-plane worker boots — the prebuilt bundle
// (dist/mesh/proxy-worker.mjs, built first if missing or stale) and the tsx fallback (the bundle folder moved aside
// for that process, then put back) — in alternating order. Each process starts a sandbox, runs an unmeshed pod
// (so the apps' own code is loaded before anything is measured), then creates the first meshed pod, which starts
// the data-plane worker, and reports: the process's RSS added by it (after GC, a second apart), the time from
// creating the pod until it is Ready, and the CPU the process spent meanwhile; then a second meshed pod's start (the
// worker already up) for comparison. A script, not a test: figures for the mesh README, medians over the rounds.
import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSandbox, type KubeObject, type Pod } from '../sandbox/index.js';
import { locateBundle, packagePath, PREBUILT_BUNDLES } from '../prebuilt/bundles.js';
import { buildDataPlaneBundle } from './build-bundles.js';

type Mode = 'bundle' | 'tsx';
interface Sample {
  mode: Mode;
  module: string;
  rssAddedMiB: number;
  firstPodReadyMs: number;
  cpuMs: number;
  secondPodReadyMs: number;
}

const READY_TIMEOUT_MS = 60_000;
const CHILD_TIMEOUT_MS = 120_000;

async function child(mode: Mode): Promise<void> {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run the child with --expose-gc');
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  const sandbox = await startSandbox({ serveApi: false });
  const { api } = sandbox;
  const ns = (name: string, meshed: boolean) =>
    api.create(api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: meshed ? { 'linkerd.io/inject': 'enabled' } : {} } });
  const pod = async (namespace: string, name: string): Promise<number> => {
    const started = performance.now();
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'sleep', image: 'playground/sleep:v1' }] } };
    api.create(api.type('', 'pods'), obj);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const p = api.tryGet(api.type('', 'pods'), namespace, name) as Pod | undefined;
      if (p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return performance.now() - started;
      if (Date.now() > deadline) throw new Error(`${namespace}/${name} not Ready within ${READY_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    ns('plain', false);
    await pod('plain', 'warm-up');
    ns('meshed', true);
    await settle();
    const rssBefore = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const firstPodReadyMs = await pod('meshed', 'first');
    const cpu = process.cpuUsage(cpuBefore);
    await settle();
    const rssAddedMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    const secondPodReadyMs = await pod('meshed', 'second');
    const module = (await sandbox.mesh?.dataPlaneModule()) ?? 'no data plane';
    const sample: Sample = { mode, module, rssAddedMiB, firstPodReadyMs, cpuMs: (cpu.user + cpu.system) / 1000, secondPodReadyMs };
    process.stdout.write(`${JSON.stringify(sample)}\n`);
  } finally {
    await sandbox.stop();
  }
}

function runChild(mode: Mode): Promise<Sample> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, '--child', mode], { cwd: packagePath('.'), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const timer = setTimeout(() => c.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    c.stdout.on('data', (b: Buffer) => (out += b));
    c.on('error', reject);
    c.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the ${mode} run exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Sample);
    });
  });
}

/** One run with the data-plane bundle folder moved aside (so the worker falls back to tsx), always put back. */
async function withoutBundle<T>(run: () => Promise<T>): Promise<T> {
  const dir = packagePath(PREBUILT_BUNDLES['data-plane'].dir);
  const aside = `${dir}.measuring-tsx`;
  if (existsSync(aside)) throw new Error(`${aside} exists: an earlier run did not finish; move it back to ${dir}`);
  renameSync(dir, aside);
  try {
    return await run();
  } finally {
    renameSync(aside, dir);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, child: { type: 'string' } } });
  if (values.child === 'bundle' || values.child === 'tsx') return child(values.child);
  if (values.child !== undefined) throw new Error(`--child must be bundle or tsx (got ${values.child})`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`--rounds must be an integer from 1 to 20 (got ${values.rounds})`);
  if (!locateBundle('data-plane', 'proxy-worker').ok) await buildDataPlaneBundle();
  // One discarded tsx run first: tsx's on-disk cache of compiled files is then warm, as on a machine that ran before.
  await withoutBundle(() => runChild('tsx'));
  const samples: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    const order: Mode[] = i % 2 ? ['tsx', 'bundle'] : ['bundle', 'tsx'];
    for (const mode of order) {
      const s = mode === 'tsx' ? await withoutBundle(() => runChild(mode)) : await runChild(mode);
      process.stderr.write(`round ${i + 1} ${mode}: ${JSON.stringify(s)}\n`);
      samples.push(s);
    }
  }
  const row = (mode: Mode) => {
    const ss = samples.filter((s) => s.mode === mode);
    const module = relative(packagePath('.'), fileURLToPath(ss[0].module));
    return { mode, module, rssAddedMiB: median(ss.map((s) => s.rssAddedMiB)), firstPodReadyMs: median(ss.map((s) => s.firstPodReadyMs)), cpuMs: median(ss.map((s) => s.cpuMs)), secondPodReadyMs: median(ss.map((s) => s.secondPodReadyMs)) };
  };
  const bundle = row('bundle');
  const tsx = row('tsx');
  console.log(`medians over ${rounds} rounds (first meshed pod: RSS added after GC, create → Ready, process CPU meanwhile; then a second meshed pod):`);
  for (const r of [bundle, tsx])
    console.log(
      `  ${r.mode.padEnd(6)} ${r.module.padEnd(40)} +${r.rssAddedMiB.toFixed(1)} MiB  first pod ${r.firstPodReadyMs.toFixed(0)} ms  CPU ${r.cpuMs.toFixed(0)} ms  second pod ${r.secondPodReadyMs.toFixed(0)} ms`,
    );
  console.log(
    `  bundle ÷ tsx: RSS ${(bundle.rssAddedMiB / tsx.rssAddedMiB).toFixed(2)}, first start ${(bundle.firstPodReadyMs / tsx.firstPodReadyMs).toFixed(2)}, CPU ${(bundle.cpuMs / tsx.cpuMs).toFixed(2)}`,
  );
}

await main();
