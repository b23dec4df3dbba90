// The sidecar image's `pilot-agent` program, for the one use Istio's tasks make of it:
// `kubectl exec POD -c <sidecar> -- pilot-agent request GET stats` — an HTTP GET on the proxy's admin API (Envoy's
// localhost:15000 in Istio; this sidecar's admin port), its body printed. Only GET, only the admin paths the sidecar
// serves (stats, stats/prometheus, ready); anything else is refused by name.
import { request } from 'node:http';
import type { Program } from '../../runtime/process/program.js';
import { SIDECAR_ADMIN_PORT } from '../constants.js';

/** Admin paths `pilot-agent request` may read (the rest of Envoy's admin API does not exist here). */
const PATHS = new Set(['stats', 'stats/prometheus', 'ready']);
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

export const pilotAgentProgram: Program = async (p) => {
  const [command, method, rawPath] = p.argv.slice(1);
  if (command !== 'request' || !method || !rawPath) {
    p.stderr.write('Error: the sandbox pilot-agent runs only: pilot-agent request GET <path> (e.g. stats)\n');
    return 1;
  }
  if (method.toUpperCase() !== 'GET') {
    p.stderr.write(`Error: ${method} is not supported by the sandbox pilot-agent (GET only)\n`);
    return 1;
  }
  const path = rawPath.replace(/^\/+/, '');
  const q = path.indexOf('?');
  if (!PATHS.has(q === -1 ? path : path.slice(0, q))) {
    p.stderr.write(`Error: the sandbox proxy's admin API has no ${JSON.stringify(path)}; try ${[...PATHS].join(', ')}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    const req = request({ host: p.container.podIP, port: SIDECAR_ADMIN_PORT, path: `/${path}`, signal: AbortSignal.any([p.signal, AbortSignal.timeout(TIMEOUT_MS)]) }, (res) => {
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) return void res.destroy();
        p.stdout.write(c);
      });
      res.once('end', () => resolve((res.statusCode ?? 500) < 400 ? 0 : 1));
      res.once('error', () => resolve(1));
    });
    req.once('error', (e) => {
      p.stderr.write(`Error: ${e.message}\n`);
      resolve(1);
    });
    req.end();
  });
};
