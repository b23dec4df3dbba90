// pods/exec and pods/attach over SPDY/3.1 (remotecommand/httpstream.go), what kubectl falls back to when its
// WebSocket upgrade fails and what older clients speak: the client opens one stream per `streamType` (error,
// stdin, stdout, stderr, resize); once all that the query promised have come, the command runs. The outcome goes
// on the error stream: a metav1.Status for v4/v5, the error text for the older protocols.
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Duplex } from 'node:stream';
import type { StatusError } from '../errors.js';
import type { PodStreamIO, TerminalSize } from '../pod-streams.js';
import { commandOutcome, parseResize, statusOf } from './exec-websocket.js';
import { SpdyServerSession, type SpdyStream } from './spdy-session.js';
import type { StreamRequest } from './stream-options.js';

/** Exec protocols over SPDY, newest first (remotecommand's supported versions). */
export const SPDY_EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
/** Upstream's streamCreationTimeout: the streams must all arrive within it. */
const STREAM_CREATION_TIMEOUT_MS = 30_000;

export function serveRemoteCommandOverSpdy(socket: Duplex, protocol: string, req: StreamRequest, run: (io: PodStreamIO) => Promise<number>, refusal?: StatusError): void {
  const statusAsJson = protocol.startsWith('v4.') || protocol.startsWith('v5.');
  const resizable = req.tty && protocol !== 'channel.k8s.io' && protocol !== 'v2.channel.k8s.io';
  const expected = new Set(['error', ...(req.stdin ? ['stdin'] : []), ...(req.stdout ? ['stdout'] : []), ...(req.stderr ? ['stderr'] : []), ...(resizable ? ['resize'] : [])]);
  const streams = new Map<string, SpdyStream>();
  const abort = new AbortController();
  const session = new SpdyServerSession(socket, (stream) => {
    const type = stream.headers.streamtype ?? '';
    if (!expected.has(type) || streams.has(type)) return stream.reset();
    streams.set(type, stream);
    if (streams.size === expected.size) {
      clearTimeout(timer);
      void start();
    }
  }, 8);
  session.on('close', () => { clearTimeout(timer); abort.abort(); });
  const timer = setTimeout(() => session.close(), STREAM_CREATION_TIMEOUT_MS);

  async function start(): Promise<void> {
    // Only stdin and resize carry data from the client; anything sent on the others is dropped.
    for (const type of ['error', 'stdout', 'stderr']) streams.get(type)?.incoming.resume();
    const stdinStream = streams.get('stdin');
    const stdin = stdinStream?.incoming ?? null;
    const stdout = writableOf(streams.get('stdout'));
    const stderr = writableOf(streams.get('stderr'));
    const resizeListeners: Array<(size: TerminalSize) => void> = [];
    const resize = streams.get('resize');
    if (resize) {
      // A json.Decoder stream of {"Width":w,"Height":h} objects, with no separator.
      let pending = '';
      resize.incoming.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        if (pending.length > 4096) pending = '';
        let end: number;
        while ((end = pending.indexOf('}')) >= 0) {
          const size = parseResize(Buffer.from(pending.slice(0, end + 1)));
          pending = pending.slice(end + 1);
          if (size) for (const l of resizeListeners) l(size);
        }
      });
    }
    const io: PodStreamIO = { stdin, stdout, stderr, tty: req.tty, signal: abort.signal, onResize: (l) => { resizeListeners.push(l); } };
    const outcome = await commandOutcome(run, io, refusal);
    await Promise.all([stdout, stderr].map(async (w) => {
      if (!w) return;
      if (!w.writableEnded) w.end();
      await finished(w).catch(() => {});
    }));
    const error = streams.get('error')!;
    const status = statusOf(outcome);
    if (statusAsJson) await error.write(Buffer.from(JSON.stringify(status)));
    else if (status.status === 'Failure') await error.write(Buffer.from(String(status.message)));
    error.end();
    // The client closes the connection once it has read the error stream; a client that does not is cut off.
    setTimeout(() => session.close(), 5_000).unref();
  }
}

function writableOf(stream: SpdyStream | undefined): Writable | null {
  if (!stream) return null;
  const w = new Writable({
    highWaterMark: 64 * 1024,
    // SpdyStream.write copies the bytes into its frames before it returns: no copy of our own.
    write: (chunk: Buffer, _enc, callback) => { void stream.write(chunk).then(() => callback()); },
    final: (callback) => { stream.end(); callback(); },
  });
  w.on('error', () => {});
  return w;
}
