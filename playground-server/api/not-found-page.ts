// What an unknown URL answers: under the API's own prefixes (/api/, /ws, probes, /metrics) the JSON `NotFound`
// error a program switches on; anywhere else the site's 404 page with status 404, as a person expects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.js';
import { sendError } from './rest.js';

const API_PATH = /^\/(api|ws|healthz|readyz|metrics)(\/|$)/;

/** Returns the handler sirv calls when no file matched; the page is read once (the built site does not change). */
export function notFoundHandler(siteDir: string): (req: IncomingMessage, res: ServerResponse) => void {
  let page: Buffer | null | undefined;
  const load = () => {
    if (page === undefined) {
      try {
        page = readFileSync(join(siteDir, '404.html'));
      } catch {
        page = null; // A server started without a built site (API-only tests) answers JSON everywhere.
      }
    }
    return page;
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const html = API_PATH.test(path) ? null : load();
    if (!html) return sendError(res, new ApiError(404, 'NotFound', `no page or operation at ${path.slice(0, 200)}`));
    req.resume();
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : html);
  };
}
