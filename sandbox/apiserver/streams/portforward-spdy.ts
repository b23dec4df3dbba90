// pods/portforward over SPDY (protocol `portforward.k8s.io`), the kubelet's httpstream handler: per forwarded
// connection the client opens an `error` and a `data` stream with the same `requestID` and `port` headers; we dial
// the port in the pod, copy both ways on the data stream, and write a dial failure on the error stream
// (kubelet's wording comes from the PodStreamSource). Used for kubectl's WebSocket tunnel and plain SPDY upgrades.
import type { Duplex } from 'node:stream';
import type { PodStreamSource } from '../pod-streams.js';
import type { SpdyServerSession, SpdyStream } from './spdy-session.js';
import { pipeDuplexToStream } from './pipe.js';

/** Upstream's streamCreationTimeout: a pair whose other half never comes is dropped. */
const PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForwardOverSpdy(session: SpdyServerSession, source: PodStreamSource, namespace: string, pod: string): (stream: SpdyStream) => void {
  const pairs = new Map<string, Pair>();
  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
  return (stream) => {
    const type = stream.headers.streamtype;
    const requestID = stream.headers.requestid ?? '';
    if (type !== 'data' && type !== 'error') {
      stream.reset();
      return;
    }
    let pair = pairs.get(requestID);
    if (!pair) {
      const created: Pair = {
        timer: setTimeout(() => {
          pairs.delete(requestID);
          created.data?.reset();
          created.error?.reset();
        }, PAIR_TIMEOUT_MS),
      };
      pair = created;
      pairs.set(requestID, pair);
    }
    if (pair[type]) {
      stream.reset(); // a second stream of the same type for one request
      return;
    }
    pair[type] = stream;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestID);
      void forward(source, namespace, pod, pair.data, pair.error);
    }
  };
}

async function forward(source: PodStreamSource, namespace: string, pod: string, data: SpdyStream, error: SpdyStream): Promise<void> {
  error.incoming.resume(); // nothing is read from the error stream; what a client sends there is dropped
  const raw = data.headers.port ?? '';
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  let conn: Duplex;
  try {
    // The kubelet parses the header leniently and fails the dial; refusing a bad port outright says the same.
    if (!(port >= 1 && port <= 65535)) throw new Error(`error forwarding port ${raw} to pod ${pod}: invalid port ${JSON.stringify(raw)}`);
    conn = await source.portForward(namespace, pod, port);
  } catch (err) {
    await error.write(Buffer.from((err as Error).message ?? String(err)));
    error.end();
    data.end();
    return;
  }
  data.onClose(() => conn.destroy());
  await pipeDuplexToStream(conn, {
    incoming: data.incoming,
    write: (chunk) => data.write(chunk),
    end: () => data.end(),
  });
  error.end();
}
