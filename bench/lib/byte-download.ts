// What the throughput benches share: sequential 1 MiB downloads from httpbin's /bytes (a fresh connection each,
// so forwarded and direct paths see the same request pattern), and a free loopback port to forward to.
import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

const MIB = 1048576;

/** `count` sequential GETs of /bytes/1048576 from host:port, a new connection each; MiB/s. */
export async function download(host: string, port: number, count: number): Promise<number> {
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    bytes += await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host, port, path: `/bytes/${MIB}`, agent: false }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(n));
      });
      req.on('error', reject);
      req.end();
    });
  }
  if (bytes !== count * MIB) throw new Error(`downloaded ${bytes} bytes, expected ${count * MIB}`);
  return bytes / MIB / ((performance.now() - t0) / 1000);
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
