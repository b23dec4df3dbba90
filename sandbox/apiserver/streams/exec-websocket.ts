// pods/exec and pods/attach over WebSocket (channel.k8s.io v1/v4/v5): stdin on channel 0, stdout 1, stderr 2,
// the outcome on 3 (v4+: a metav1.Status; v1: the error text), terminal resizes on 4. The work itself is the
// PodStreamSource's; this speaks the protocol and turns the exit code into the Status kubectl reads.
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StatusError } from '../errors.js';
import type { PodStreamIO, TerminalSize } from '../pod-streams.js';
import type { ChannelConnection } from './channel-websocket.js';
import type { StreamRequest } from './stream-options.js';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
/**
 * How long a command waits after the upgrade before it runs. client-go's WebSocket executor (kubectl ≥ 1.30) starts
 * reading frames before it has registered its streams and drops a frame for a stream it does not know yet ("Unknown
 * stream id 2, discarding message"); a kubelet's exec takes longer than that window to start a process, an in-process
 * command does not, so on a busy machine kubectl lost the first output. About a container runtime's exec start time.
 */
export const COMMAND_START_DELAY_MS = 100;

/** What a remote command came to: the refusal made before it ran, its exit code, or the Status of its failure. */
export async function commandOutcome(run: (io: PodStreamIO) => Promise<number>, io: PodStreamIO, refusal?: StatusError): Promise<StatusError | number> {
  if (refusal) return refusal;
  try {
    return await run(io);
  } catch (err) {
    return err instanceof StatusError ? err : new StatusError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** Runs `run` with the connection's streams, then reports its outcome on the error channel and closes. */
export async function serveRemoteCommand(conn: ChannelConnection, req: StreamRequest, run: (io: PodStreamIO) => Promise<number>, refusal?: StatusError): Promise<void> {
  const abort = new AbortController();
  conn.ws.on('close', () => abort.abort());
  const stdin = req.stdin ? new PassThrough({ highWaterMark: 64 * 1024 }) : null;
  stdin?.on('error', () => {});
  const endStdin = () => { if (stdin && !stdin.writableEnded) stdin.end(); };
  conn.ws.on('close', endStdin);
  if (stdin) {
    conn.onData(STDIN, (data) => {
      if (stdin.writableEnded || !data.length) return;
      if (!stdin.write(data)) {
        conn.ws.pause();
        stdin.once('drain', () => conn.ws.resume());
      }
    });
    conn.onRemoteClose(STDIN, endStdin);
  }
  const resizeListeners: Array<(size: TerminalSize) => void> = [];
  let terminalSize: TerminalSize | undefined; // a resize sent before the command starts is its initial size
  if (req.tty) {
    conn.onData(RESIZE, (data) => {
      const size = parseResize(data);
      if (!size) return;
      terminalSize = size;
      for (const l of resizeListeners) l(size);
    });
  }
  const stdout = req.stdout ? conn.writable(STDOUT) : null;
  const stderr = req.stderr ? conn.writable(STDERR) : null;
  const io: PodStreamIO = {
    stdin,
    stdout,
    stderr,
    tty: req.tty,
    signal: abort.signal,
    onResize: (listener) => {
      resizeListeners.push(listener);
      if (terminalSize) listener(terminalSize);
    },
  };

  if (!refusal) await new Promise((resolve) => setTimeout(resolve, COMMAND_START_DELAY_MS));
  const outcome = await commandOutcome(run, io, refusal);
  await Promise.all([flush(stdout), flush(stderr)]);
  if (!abort.signal.aborted) {
    const status = statusOf(outcome);
    if (conn.version >= 4) await conn.send(ERROR, Buffer.from(JSON.stringify(status)));
    else if (status.status === 'Failure') await conn.send(ERROR, Buffer.from(String(status.message)));
  }
  endStdin();
  conn.close(1000);
}

async function flush(w: Writable | null): Promise<void> {
  if (!w) return;
  if (!w.writableEnded) w.end();
  await finished(w).catch(() => {});
}

/** What the kubelet writes on the error channel (remotecommand.v4WriteStatusFunc via the stream translator). */
export function statusOf(outcome: StatusError | number): Record<string, unknown> {
  if (outcome instanceof StatusError) return outcome.toStatus() as unknown as Record<string, unknown>;
  if (outcome === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command terminated with exit code ${outcome}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome) }] },
  };
}

export function parseResize(data: Buffer): TerminalSize | undefined {
  if (data.length > 1024) return undefined;
  try {
    const v = JSON.parse(data.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 65535;
    return ok(v.Width) && ok(v.Height) ? { width: v.Width, height: v.Height } : undefined;
  } catch {
    return undefined;
  }
}
