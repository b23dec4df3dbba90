// `kubectl port-forward` for the server: a local TCP listener whose every connection becomes one
// pods/portforward WebSocket stream (client-node's PortForward, channel.k8s.io v4) to a port inside a pod.
// This is how the server reaches a port that only the pod itself can dial (a sidecar's outbound listener),
// on the embedded sandbox and on a real cluster alike, through the Kubernetes API and nothing else.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

export interface LocalPortForward {
  /** The local address that forwards to the pod's port (loopback only). */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** One connection's tunnel: the socket's bytes go to the pod's port and back; either side closing ends both. */
async function tunnel(kubeconfig: KubeConfig, target: PortForwardTarget, socket: Socket): Promise<void> {
  socket.pause();
  // As kubectl's (Go sets TCP_NODELAY on every TCP connection): with Nagle on, a response written in two pieces
  // waits for the peer's delayed ACK (~40 ms) before its second piece — every request through a proxy paid it.
  socket.setNoDelay(true);
  // The kubelet reports a failed dial on the error channel; the connection is then closed, as kubectl does.
  const errors = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (chunk.length) socket.destroy(new Error(`port-forward to ${target.namespace}/${target.pod}:${target.port}: ${chunk.toString('utf8')}`));
      done();
    },
  });
  try {
    const ws = await new PortForward(kubeconfig).portForward(target.namespace, target.pod, [target.port], socket, errors, socket);
    if (typeof ws === 'function') throw new Error('port-forward: expected one WebSocket');
    ws.on('close', () => socket.destroy());
    ws.on('error', () => socket.destroy());
    socket.once('close', () => ws.close());
    socket.resume();
  } catch (err) {
    socket.destroy(err as Error);
  }
}

/** Listens on 127.0.0.1 at a free port and forwards each accepted connection to `target` through the API server. */
export async function forwardLocalPort(kubeconfig: KubeConfig, target: PortForwardTarget): Promise<LocalPortForward> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the tunnel closes it; an error here is the peer going away
    void tunnel(kubeconfig, target, socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    host: address,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
