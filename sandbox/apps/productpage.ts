// bookinfo `productpage`: asks details and reviews (with Istio's 3 s timeout and one retry) and answers
// JSON naming the versions and pods that served it, or a small HTML page for browsers. Logging in as a
// user (`/login`) sets the `end-user` header on upstream calls, which mesh routing lessons match on.
import type { IncomingHttpHeaders } from 'node:http';
import type { Workload, WorkloadContext } from '../runtime/workload.js';
import { BOOKINFO_PORT, POD_HEADER, VERSION_HEADER, servedBy, serviceUrl } from './bookinfo-identity.js';
import { bookDetails } from './details.js';
import { appPort, httpWorkload, json, notFoundResponse, type AppRequest, type AppResponse } from './http-workload.js';
import { getJson, propagate, type UpstreamResult } from './upstream.js';
import { renderUpstreamProductPage } from './istio-bookinfo/productpage-html.js';

export interface ProductpageOptions {
  /**
   * Answer as Istio's own productpage image does: `/productpage` is always the upstream HTML page (whatever the
   * Accept header), `/health` is plain text. The playground's image keeps JSON for API clients.
   */
  upstream?: boolean;
}

export const PRODUCTS = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: The Comedy of Errors is one of <b>William Shakespeare\'s</b> early plays. It is his shortest and one of his most farcical comedies, with a major part of the humour coming from slapstick and mistaken identity, in addition to puns and word play.',
  },
];

const UPSTREAM_TIMEOUT_MS = 3000;
const UPSTREAM_ATTEMPTS = 2;
const SESSION_COOKIE = 'session';

interface Served {
  status: number;
  version?: string;
  pod?: string;
  body?: unknown;
  error?: string;
}

export function productpageApp(ctx: WorkloadContext, version: string, opts: ProductpageOptions = {}): Workload {
  const headers = servedBy(ctx, version);
  const detailsUrl = serviceUrl(ctx, 'details');
  const reviewsUrl = serviceUrl(ctx, 'reviews');
  const ratingsUrl = serviceUrl(ctx, 'ratings');

  const call = async (url: string, req: AppRequest): Promise<Served> => {
    const fwd = { ...propagate(req.headers), ...userHeader(req.headers) };
    let last: Served = { status: 0, error: 'not attempted' };
    for (let attempt = 0; attempt < UPSTREAM_ATTEMPTS; attempt++) {
      try {
        const res: UpstreamResult = await getJson(ctx, url, fwd, UPSTREAM_TIMEOUT_MS);
        last = { status: res.status, version: header(res.headers, VERSION_HEADER), pod: header(res.headers, POD_HEADER), body: res.body };
        if (res.status < 500) return last;
      } catch (err) {
        last = { status: 0, error: (err as Error).message };
      }
    }
    return last;
  };

  return httpWorkload(ctx, appPort(ctx, BOOKINFO_PORT), async (req): Promise<AppResponse> => {
    const p = req.path;
    if (p === '/health') return opts.upstream ? { status: 200, headers, body: 'Product page is healthy' } : json(200, { status: 'Productpage is healthy' }, headers);
    if (p === '/' || p === '/index.html') return page(200, '<h1>Bookinfo</h1><p><a href="/productpage">Simple Bookstore App</a></p>', headers);
    if (p === '/login') {
      const user = req.query.get('username') ?? new URLSearchParams(req.body).get('username') ?? '';
      if (!/^[\w.-]{1,64}$/.test(user)) return json(400, { error: 'username: 1-64 letters, digits, ".", "_" or "-"' }, headers);
      return { status: 302, headers: { ...headers, location: '/productpage', 'set-cookie': `${SESSION_COOKIE}=${user}; Path=/` }, body: '' };
    }
    if (p === '/logout') return { status: 302, headers: { ...headers, location: '/productpage', 'set-cookie': `${SESSION_COOKIE}=; Path=/; Max-Age=0` }, body: '' };
    if (p === '/api/v1/products') return json(200, PRODUCTS, headers);
    const api = p.match(/^\/api\/v1\/products\/(-?\d+)(?:\/(reviews|ratings))?$/);
    if (api) {
      const id = Number(api[1]);
      if (!api[2]) return json(200, bookDetails(id), headers);
      const served = await call(`${api[2] === 'reviews' ? reviewsUrl : ratingsUrl}/${api[2]}/${id}`, req);
      return served.status ? json(served.status, served.body as object, headers) : json(503, { error: `${api[2]} unavailable: ${served.error}` }, headers);
    }
    if (p === '/productpage') {
      const product = PRODUCTS[0];
      const [details, reviews] = await Promise.all([call(`${detailsUrl}/details/${product.id}`, req), call(`${reviewsUrl}/reviews/${product.id}`, req)]);
      const user = userHeader(req.headers)['end-user'] ?? null;
      const result = {
        product,
        user,
        productpage: { version, pod: ctx.podName },
        details: describe(details, 'Sorry, product details are currently unavailable for this book.'),
        reviews: describe(reviews, 'Sorry, product reviews are currently unavailable for this book.'),
      };
      if (opts.upstream) return { status: 200, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: renderUpstreamProductPage(result) };
      if (String(req.headers.accept ?? '').includes('text/html')) return page(200, renderHtml(result), headers);
      return json(200, result, headers);
    }
    return notFoundResponse(p);
  });
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The logged-in user (session cookie) or an `end-user` header the caller already set. */
function userHeader(h: IncomingHttpHeaders): Record<string, string> {
  const cookie = String(h.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  const user = cookie?.slice(SESSION_COOKIE.length + 1) || (typeof h['end-user'] === 'string' ? h['end-user'] : '');
  return user ? { 'end-user': user } : {};
}

function describe(s: Served, unavailable: string): Record<string, unknown> {
  if (s.status === 200 && s.body && typeof s.body === 'object') {
    const { version: _v, podname: _p, clustername: _c, ...rest } = s.body as Record<string, unknown>;
    return { status: 200, version: s.version ?? null, pod: s.pod ?? null, ...rest };
  }
  return { status: s.status, version: s.version ?? null, pod: s.pod ?? null, error: unavailable, cause: s.error ?? `upstream answered ${s.status}` };
}

function page(status: number, body: string, headers: Record<string, string>): AppResponse {
  return { status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><html><head><title>Simple Bookstore App</title></head><body>${body}</body></html>` };
}

const escape = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function renderHtml(r: { product: (typeof PRODUCTS)[number]; user: string | null; details: Record<string, unknown>; reviews: Record<string, unknown> }): string {
  const reviews = (r.reviews.reviews as { reviewer: string; text: string; rating?: { stars?: number; color?: string; error?: string } }[] | undefined) ?? [];
  const stars = (rating?: { stars?: number; color?: string; error?: string }) =>
    !rating ? '' : rating.error ? `<p class="error">${escape(rating.error)}</p>` : `<p style="color:${escape(rating.color)}">${'★'.repeat(Math.max(0, rating.stars ?? 0))}</p>`;
  return [
    `<h1>${escape(r.product.title)}</h1>`,
    r.user ? `<p>Signed in as <b>${escape(r.user)}</b></p>` : '',
    `<p>${r.product.descriptionHtml}</p>`,
    `<h2>Book Details</h2><p class="served">details ${escape(r.details.version)} (${escape(r.details.pod)})</p>`,
    r.details.error ? `<p class="error">${escape(r.details.error)}</p>` : `<dl><dt>Type</dt><dd>${escape(r.details.type)}</dd><dt>Pages</dt><dd>${escape(r.details.pages)}</dd><dt>Publisher</dt><dd>${escape(r.details.publisher)}</dd></dl>`,
    `<h2>Book Reviews</h2><p class="served">reviews ${escape(r.reviews.version)} (${escape(r.reviews.pod)})</p>`,
    r.reviews.error ? `<p class="error">${escape(r.reviews.error)}</p>` : reviews.map((x) => `<blockquote><p>${escape(x.text)}</p><small>${escape(x.reviewer)}</small>${stars(x.rating)}</blockquote>`).join(''),
  ].join('\n');
}
