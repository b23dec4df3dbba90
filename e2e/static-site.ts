// A built site served as the playground server serves it (the same CSP and security headers), on a port the test
// picks: for page tests that need no session (conformance, mesh support).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { contentSecurityPolicy, inlineScriptHashes, setSecurityHeaders } from '../playground-server/api/http-guards.js';

export interface StaticSite {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

export async function serveBuiltSite(dir: string): Promise<StaticSite> {
  const site = sirv(dir, { etag: true, gzip: false, single: false, dev: false });
  const csp = contentSecurityPolicy(inlineScriptHashes(dir));
  const server = createServer((req, res) => {
    setSecurityHeaders(res, csp);
    site(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
