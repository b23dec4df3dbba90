// Istio's tcp-echo sample server (samples/tcp-echo/src/main.go, image istio/tcp-echo-server): `main PORTS PREFIX`
// listens on each comma-separated port and answers every line a client sends with `<prefix> <line>`, on the same
// connection, until the client closes it. The TCP Traffic Shifting task tells its versions apart by the prefix
// ("one", "two"). Lines are capped so a client cannot grow the buffer without bound.
import { createServer, type Server, type Socket } from 'node:net';
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { DISTROLESS, type UpstreamImage } from '../upstream-image.js';

/** A line longer than this (no newline yet) closes the connection. */
export const TCP_ECHO_MAX_LINE = 64 * 1024;

export function tcpEchoServer(ctx: WorkloadContext): Workload {
  // ENTRYPOINT ["/bin/tcp-echo"], CMD ["9000", "hello"]: the pod's args replace the CMD.
  const args = ctx.args.length ? ctx.args : ['9000', 'hello'];
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const usage = "you should run it like: 'main [PORTS...] prefix' , please notice PORTS are comma-delineated , like  port 1[,port 2]  ";
  return {
    async start() {
      if (args.length !== 2) {
        ctx.log(usage);
        throw new Error(usage);
      }
      const ports = args[0].split(',').map((p) => Number(p));
      const prefix = args[1];
      for (const port of ports) {
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`failed to create listener, err: invalid port ${port}`);
        const server = createServer((conn) => serve(conn, prefix));
        ctx.network.guard(server);
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: ctx.listenHost, port }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        ctx.log(`listening on [::]:${port}, prefix: ${prefix}`);
      }
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
    },
  };

  function serve(conn: Socket, prefix: string): void {
    sockets.add(conn);
    conn.on('close', () => sockets.delete(conn));
    conn.on('error', () => conn.destroy());
    let pending: Buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (let nl = pending.indexOf(10); nl !== -1; nl = pending.indexOf(10)) {
        const line = pending.subarray(0, nl + 1).toString('utf8');
        pending = pending.subarray(nl + 1);
        ctx.log(`request: ${line.slice(0, -1)}`);
        const answer = `${prefix} ${line}`;
        ctx.log(`response: ${answer.slice(0, -1)}`);
        conn.write(answer);
      }
      if (pending.length > TCP_ECHO_MAX_LINE) conn.destroy();
    });
    // main.go returns on EOF and closes: a half-closed client (nc after its input ends) still gets every answer.
    conn.on('end', () => conn.end());
  }
}

/** The image names the sample's manifests use (registry.istio.io today, docker.io before); built FROM scratch. */
export const TCP_ECHO_IMAGES: UpstreamImage[] = [
  { names: ['istio/tcp-echo-server', 'registry.istio.io/release/tcp-echo-server'], tags: ['1.3', '1.2', '1.1', 'latest'], factory: (ctx) => tcpEchoServer(ctx), tools: DISTROLESS },
];
