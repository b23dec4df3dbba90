// `playground sandbox`: the real CLI boots only the cluster, writes a kubeconfig the real kubectl accepts as is,
// prints one ready line, and on SIGTERM stops its pods and exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('playground sandbox --with-sample: kubectl sees Bookinfo; SIGTERM stops it cleanly', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'playground-sandbox-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const child = spawn(process.execPath, [BIN, 'sandbox', '--port', '0', '--kubeconfig', kubeconfig, '--with-sample'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line within 60 s:\n${out}`)), 60_000);
      const check = () => {
        if (/sandbox ready at https:\/\/127\.0\.0\.1:\d+/.test(out)) { clearTimeout(timer); resolve(); }
      };
      child.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`exited early (${code}):\n${out}`)));
    });
    assert.equal(out.trim().split('\n').filter((l) => l.includes('sandbox ready')).length, 1, 'one ready line');
    assert.equal(statSync(kubeconfig).mode & 0o077, 0, 'the kubeconfig holds a credential: owner-only');

    const pods = await kubectl(kubeconfig, ['get', 'pods', '-A']);
    assert.equal(pods.code, 0, pods.stderr);
    for (const app of ['productpage-v1', 'details-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3']) {
      assert.match(pods.stdout, new RegExp(`^default\\s+${app}-\\S+\\s+1/1\\s+Running\\s+0`, 'm'));
    }
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, out);
  assert.match(out, /SIGTERM: stopping the sandbox and its pods/);
});

test('playground sandbox without --kubeconfig is a usage error (exit 2) that names the flag', async () => {
  const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, [BIN, 'sandbox'], { timeout: 30_000 }, (err, _stdout, stderr) => resolve({ code: Number((err as { code?: number } | null)?.code ?? 0), stderr })),
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--kubeconfig FILE is required/);
});
