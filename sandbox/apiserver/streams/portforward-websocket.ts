// pods/portforward over the WebSocket channel protocol (portforward/websocket.go, what client-node speaks):
// `ports=` in the query, per port a data channel (2i) and an error channel (2i+1), each opening with the port as
// two little-endian bytes; one connection into the pod per port, for the life of the WebSocket.
import { PassThrough, type Duplex } from 'node:stream';
import type { PodStreamSource } from '../pod-streams.js';
import type { ChannelConnection } from './channel-websocket.js';
import { pipeDuplexToStream } from './pipe.js';

export async function servePortForwardOverWebSocket(conn: ChannelConnection, source: PodStreamSource, namespace: string, pod: string, ports: number[]): Promise<void> {
  const dials = ports.map(async (port, i) => {
    const data = i * 2;
    const error = data + 1;
    // What the client sends before the dial completes waits here (bounded: the socket pauses when it is full).
    const incoming = new PassThrough({ highWaterMark: 64 * 1024 });
    incoming.on('error', () => {});
    conn.onData(data, (chunk) => {
      if (incoming.writableEnded) return;
      if (!incoming.write(chunk)) {
        conn.ws.pause();
        incoming.once('drain', () => conn.ws.resume());
      }
    });
    conn.ws.on('close', () => incoming.end());
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    await conn.send(data, portBytes);
    await conn.send(error, portBytes);
    let target: Duplex;
    try {
      target = await source.portForward(namespace, pod, port);
    } catch (err) {
      incoming.destroy();
      conn.ws.resume();
      await conn.send(error, Buffer.from((err as Error).message ?? String(err)));
      return;
    }
    conn.ws.on('close', () => target.destroy());
    await pipeDuplexToStream(target, { incoming, write: (chunk) => conn.send(data, chunk), end: () => {} });
  });
  await Promise.all(dials);
  // Upstream closes the connection once every port's forward has finished (or failed).
  conn.close(1000);
}
