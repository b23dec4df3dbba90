// What the server benchmarks share: the embedded sandbox in a child process (`playground sandbox`), so the
// server's memory is measured apart from the cluster's, plus RSS of a process and percentiles of a sample.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));
export const SITE = fileURLToPath(new URL('../../dist/site', import.meta.url));

export interface ChildSandbox {
  process: ChildProcess;
  dir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startChildSandbox(prefix: string): Promise<ChildSandbox> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const kubeconfig = join(dir, 'kubeconfig');
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`sandbox not ready in 60 s: ${out}`)), 60_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('sandbox ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`sandbox exited ${code}: ${out}`)));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { process: child, dir, kubeconfig, stop };
}

export function rssOf(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : NaN;
}

export const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
