// An exec probe (`readinessProbe.exec.command`): the command runs as a program of the container's image;
// exit 0 passes, anything else fails with the command's output as the kubelet's Unhealthy message says it.
import { Writable } from 'node:stream';
import type { ProbeResult } from '../probes.js';
import { processEnv } from './container-command.js';
import { runProgram, type ProcessHost } from './run-program.js';

/** Output of a probe command kept for its message (the kubelet keeps 10 KiB). */
const PROBE_OUTPUT_LIMIT = 10 * 1024;

export async function runExecProbe(host: ProcessHost, command: string[], env: Record<string, string>, timeoutSeconds: number | undefined): Promise<ProbeResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size < PROBE_OUTPUT_LIMIT) chunks.push(chunk.subarray(0, PROBE_OUTPUT_LIMIT - size));
      size += chunk.length;
      cb();
    },
  });
  const timeoutMs = Math.max(1, timeoutSeconds ?? 1) * 1000;
  const signal = AbortSignal.timeout(timeoutMs);
  const code = await runProgram(host, command, { stdin: null, stdout: sink, stderr: sink, env: processEnv(env), cwd: '/', tty: false, signal });
  if (signal.aborted) return { ok: false, message: `command timed out: "${command.join(' ')}" timed out after ${timeoutMs / 1000}s` };
  if (code === 0) return { ok: true };
  return { ok: false, message: Buffer.concat(chunks).toString().trimEnd() || `command "${command.join(' ')}" exited with ${code}` };
}
