// Runs a command in a pod's container through the Kubernetes API's pods/exec (client-node's Exec, the WebSocket
// protocol kubectl uses), as upstream's MeshPod.request does with SPDY: stdout and stderr collected, a non-zero exit
// is an error, and every run is bounded in time and output size.
import { Writable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';

/** Most output one exec may return (a 500-request batch prints ~1 KiB per response). */
export const EXEC_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export class ExecError extends Error {}

export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

function collector(limit: number): { sink: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      done();
    },
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

export class PodExec {
  private readonly exec: Exec;

  constructor(kubeconfig: KubeConfig) {
    this.exec = new Exec(kubeconfig);
  }

  /** Resolves with stdout when the command exits 0; rejects with ExecError (exit code, stderr) otherwise. */
  async run(target: ExecTarget, command: string[], timeoutMs: number): Promise<string> {
    const out = collector(EXEC_MAX_OUTPUT_BYTES);
    const err = collector(64 * 1024);
    let socket: Awaited<ReturnType<Exec['exec']>> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    // A WebSocket that arrives after the run settled (a timeout) is closed at once: nothing may keep it open.
    const shut = (ws: NonNullable<typeof socket>) => ((ws as { terminate?: () => void }).terminate ?? ws.close).call(ws);
    try {
      return await new Promise<string>((resolve, reject) => {
        timer = setTimeout(() => reject(new ExecError(`exec in ${target.namespace}/${target.pod} did not finish within ${timeoutMs} ms`)), timeoutMs);
        const done = (status: V1Status) => {
          // The status arrives on the error channel before the socket closes; let the last output frames land.
          setImmediate(() => {
            if (status.status === 'Success') resolve(out.text());
            else {
              const stderr = err.text().trim();
              const code = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
              reject(new ExecError(`${status.message ?? 'exec failed'}${code ? ` (exit code ${code})` : ''}${stderr ? `: ${stderr.slice(0, 500)}` : ''}${!stderr && out.text() ? `: ${lastLine(out.text())}` : ''}`));
            }
          });
        };
        this.exec
          .exec(target.namespace, target.pod, target.container, command, out.sink, err.sink, null, false, done)
          .then((ws) => {
            if (finished) return shut(ws);
            socket = ws;
            ws.on('close', () => setTimeout(() => reject(new ExecError(`exec in ${target.namespace}/${target.pod} closed without a status`)), 50).unref());
          })
          .catch((e: unknown) => reject(new ExecError(`exec in ${target.namespace}/${target.pod} failed: ${describe(e)}`)));
      });
    } finally {
      finished = true;
      clearTimeout(timer);
      if (socket) shut(socket);
    }
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1].slice(0, 500);
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null) {
    const o = e as { message?: unknown; type?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (typeof o.type === 'string') return o.type;
  }
  return String(e);
}
