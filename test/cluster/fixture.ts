// A whole sandbox (API server over HTTPS, controllers, runtime, mesh) for a test file, with the real kubectl
// pointed at it, and bounded waiting helpers. Back-offs are short so restart tests are quick.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/cluster.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ClusterFixture {
  sandbox: Sandbox;
  dir: string;
  kubeconfig: string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  file(name: string, content: string): string;
  pods(namespace: string, selector?: (p: Pod) => boolean): Pod[];
  close(): Promise<void>;
}

export async function startCluster(opts: SandboxOptions = {}): Promise<ClusterFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ kubeconfigPath: kubeconfig, restartBackoffBaseMs: 300, imagePullBackoffBaseMs: 300, readinessIntervalMs: 200, ...opts });
  return {
    sandbox,
    dir,
    kubeconfig,
    kubectl(args, o = {}) {
      return new Promise((resolve) => {
        const child = execFile(
          KUBECTL,
          ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
          { timeout: o.timeoutMs ?? 30_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir } },
          (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
        if (o.input !== undefined) child.stdin?.end(o.input);
      });
    },
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    pods(namespace, selector = () => true) {
      return (sandbox.api.list(sandbox.api.type('', 'pods'), namespace).items as Pod[]).filter(selector);
    },
    async close() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll `check` until it returns a truthy value; bounded in time and in attempts. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  const maxAttempts = Math.ceil(timeoutMs / intervalMs) + 1;
  let last: unknown;
  for (let i = 0; i < maxAttempts && Date.now() <= deadline; i++) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

export const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const appOf = (p: Pod) => p.metadata.labels?.app;

/** kubectl that must succeed: its stdout, or a failed assertion naming the command and kubectl's error. */
export async function kubectlOk(c: ClusterFixture, args: string[], input?: string, timeoutMs?: number): Promise<string> {
  const r = await c.kubectl(args, { input, timeoutMs });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** kubectl that the cluster must refuse: its error text, trimmed. */
export async function kubectlRefused(c: ClusterFixture, args: string[], input?: string): Promise<string> {
  const r = await c.kubectl(args, { input });
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should have been refused: ${r.stdout}`);
  return r.stderr.trim();
}
