// Copying between a connection into a pod and a client stream (SPDY stream or WebSocket channel), both ways,
// with backpressure: the pod side pauses while the client side is congested, and the other way round.
import type { Duplex, Readable } from 'node:stream';

export interface ClientSide {
  /** What the client sends; its end half-closes the pod connection. */
  incoming: Readable;
  /** Sends to the client; resolves when more may be sent. */
  write(chunk: Buffer): Promise<void>;
  /** Half-closes towards the client. */
  end(): void;
}

/** Resolves when the pod connection is finished (closed, or ended and flushed to the client). */
export function pipeDuplexToStream(conn: Duplex, client: ClientSide): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve();
    };
    conn.on('error', () => conn.destroy());
    let writing = Promise.resolve();
    conn.on('data', (chunk: Buffer) => {
      conn.pause();
      writing = client.write(chunk).then(() => { if (!conn.destroyed) conn.resume(); });
    });
    conn.on('end', () => {
      void writing.then(() => { client.end(); finish(); });
    });
    conn.on('close', () => {
      void writing.then(() => { client.end(); finish(); });
    });
    client.incoming.on('data', (chunk: Buffer) => {
      if (conn.destroyed || conn.writableEnded) return;
      if (!conn.write(chunk)) {
        client.incoming.pause();
        conn.once('drain', () => client.incoming.resume());
      }
    });
    client.incoming.on('end', () => { if (!conn.destroyed && !conn.writableEnded) conn.end(); });
    client.incoming.on('close', () => { if (!client.incoming.readableEnded) conn.destroy(); });
  });
}
