// One `playground up` process per e2e file (the real CLI: embedded sandbox + server + built site), with a
// data dir that survives a restart so a test can stop and start the server under a live page.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/playground.js', import.meta.url));
const UP_TIMEOUT_MS = 90_000;
/** Every fresh browser context is a new learner, all from 127.0.0.1: a classroom behind one address. */
const E2E_SESSIONS_PER_CLIENT = 50;

export interface PlaygroundProcess {
  url: string;
  dataDir: string;
  /** Log lines of answers that did not match openapi/playground.yaml (the server checks each one it sends). */
  contractViolations: string[];
  stop(): Promise<void>;
}

export async function startPlayground(opts: { dataDir?: string; port?: number } = {}): Promise<PlaygroundProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pg-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'up', '--port', String(opts.port ?? 0), '--data-dir', dataDir, '--sessions-per-client', String(E2E_SESSIONS_PER_CLIENT)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PLAYGROUND_VALIDATE_RESPONSES: '1' },
  });
  let output = '';
  const contractViolations: string[] = [];
  let errLine = '';
  child.stderr!.on('data', (d) => {
    output = (output + d).slice(-20_000);
    const lines = (errLine + d).split('\n');
    errLine = lines.pop() ?? '';
    contractViolations.push(...lines.filter((l) => l.includes('response contract violation')).map((l) => l.slice(0, 2000)));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "up" line within ${UP_TIMEOUT_MS / 1000} s; output:\n${output}`)), UP_TIMEOUT_MS);
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      const m = output.match(/is up at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`playground up exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    contractViolations,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
