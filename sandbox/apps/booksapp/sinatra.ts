// What the books app's three Sinatra apps share: FailureRate (ext/failure_rate.rb — a HEAD request fails with 503
// at FAILURE_RATE), Sinatra's production error pages, and the *_SITE URLs ActiveResource calls.
import type { AppRequest, AppResponse } from '../http-workload.js';

export function failsHead(req: AppRequest, failureRate: number): boolean {
  return req.method === 'HEAD' && failureRate > 0 && Math.random() <= failureRate;
}

const PAGES: Record<number, string> = {
  400: '<h1>Bad Request</h1>',
  404: '<!DOCTYPE html><html><head><style>body { text-align:center;font-family:helvetica,arial;font-size:22px;color:#888;margin:20px}</style></head><body><h2>Sinatra doesn’t know this ditty.</h2></body></html>',
  500: '<h1>Internal Server Error</h1>',
};

export function sinatraError(status: 400 | 404 | 500): AppResponse {
  return { status, headers: { 'content-type': 'text/html;charset=utf-8' }, body: PAGES[status] };
}

/** AUTHORS_SITE / BOOKS_SITE (`http://authors:7001`), or upstream's localhost default. */
export function siteUrl(value: string | undefined, fallback: string): URL {
  try {
    const u = new URL(value || fallback);
    return u.protocol === 'http:' ? u : new URL(fallback);
  } catch {
    return new URL(fallback);
  }
}
