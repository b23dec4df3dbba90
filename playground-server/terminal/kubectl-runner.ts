// The real kubectl, run without a shell: argv from the checked line, inside the isolation chosen at startup
// (isolation.ts: bubblewrap, or an unprivileged user), with the session's own kubeconfig, output streamed.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { KubectlIsolation, TerminalWorkDir } from './isolation.js';
import type { OutputSink, ProgramResult } from './output.js';
import type { MirroredFile } from './upstream-mirror.js';

export interface KubectlInput {
  /** Piped to kubectl's standard input (`-f -`); kubectl reads it from the pipe, nothing is written to disk. */
  stdin?: string;
  /** Mirrored upstream files the argv names. */
  files?: readonly MirroredFile[];
}

export function findKubectl(pathEnv = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...pathEnv.split(':'), '/usr/bin', '/usr/local/bin']) {
    if (!dir) continue;
    const candidate = join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

export const KUBECTL_MISSING_MESSAGE =
  'kubectl is not installed on this server. Install it (Debian/Ubuntu: sudo apt-get install -y kubectl; or see https://kubernetes.io/docs/tasks/tools/), ' +
  'or download the session kubeconfig and use your own kubectl.\n';

export function runKubectl(binary: string, args: string[], workDir: TerminalWorkDir, isolation: KubectlIsolation, out: OutputSink, signal: AbortSignal, input: KubectlInput = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const launch = isolation.launch(binary, args, workDir, input.files);
    const child = spawn(launch.command, launch.args, { ...launch.options, shell: false, stdio: [input.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input.stdin !== undefined && child.stdin) {
      // kubectl may exit before reading it all (a refused request): a broken pipe is its answer, not ours to report.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input.stdin);
    }
    let killed = false;
    const kill = () => {
      if (killed || child.exitCode !== null) return;
      killed = true;
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 2000).unref();
    };
    if (signal.aborted) kill();
    signal.addEventListener('abort', kill, { once: true });
    out.onOverflow(kill);
    // Output is forwarded with back-pressure: the pipe is paused until the caller took the chunk.
    const forward = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        stream.pause();
        out.write(name, chunk).then(() => stream.resume(), kill);
      });
    };
    forward(child.stdout!, 'stdout');
    forward(child.stderr!, 'stderr');
    child.once('error', (err) => {
      signal.removeEventListener('abort', kill);
      out.write('stderr', `kubectl could not start: ${err.message}\n`).finally(() => resolve({ exitCode: 127 }));
    });
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', kill);
      out.flushed().then(() => resolve({ exitCode: code ?? (sig ? 128 + 15 : 1) }));
    });
  });
}
