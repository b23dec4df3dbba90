// The books app's authors (:7001) and books (:7002) services (BuoyantIO/booksapp authors.rb, books.rb): JSON CRUD at
// /authors.json, /authors/:id.json, /books.json, /books/:id.json and /ping. Upstream's failures are kept, since
// Linkerd's debugging and retries tutorials find them: with FAILURE_RATE (0.5 on authors in booksapp.yml) a HEAD
// request fails with 503 at that rate (ext/failure_rate.rb), and books checks that a book's author exists with a
// HEAD to authors on every create and update (models/book.rb `Author.exists?`), so about half of books' POSTs and
// PUTs — and of the webapp's book forms — fail with 500.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { cappedExchange } from '../../runtime/capped-exchange.js';
import { appPort, httpWorkload, type AppRequest, type AppResponse } from '../http-workload.js';
import { MAX_RECORDS, query, seedAuthors, seedBooks, type Author, type Book } from './records.js';
import { failsHead, siteUrl, sinatraError } from './sinatra.js';

const CALL_TIMEOUT_MS = 10_000;
const CALL_BODY_LIMIT = 256 * 1024;

const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): AppResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const blank = (v: unknown) => v === undefined || v === null || String(v).trim() === '';
/** The schema's `limit: 255` string columns (db/schema.rb), enforced here since memory is what they fill. */
const MAX_STRING = 255;
const tooLong = (v: unknown) => String(v ?? '').length > MAX_STRING;
const TOO_LONG = `is too long (maximum is ${MAX_STRING} characters)`;

/** Shared shape of both services: list, show, create, update, delete, ping. */
function resourceService<T extends { id: number; created_at: string; updated_at: string }>(
  ctx: WorkloadContext,
  port: number,
  plural: string,
  rows: T[],
  spec: {
    fields: readonly string[];
    validate(row: Partial<T>): Promise<Record<string, string[]>>;
    beforeDestroy?(row: T): Promise<void>;
  },
): Workload {
  let nextId = rows.length + 1;
  const failureRate = Number(ctx.env.FAILURE_RATE ?? 0) || 0;
  return httpWorkload(ctx, port, async (req: AppRequest): Promise<AppResponse> => {
    if (failsHead(req, failureRate)) return { status: 503, headers: { 'content-type': 'text/html;charset=utf-8' }, body: '' };
    if (req.path === '/ping') return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'pong' };
    const isHead = req.method === 'HEAD';
    if (req.path === `/${plural}.json`) {
      if (req.method === 'GET' || isHead) return jsonResponse(200, query(rows, req.query));
      if (req.method === 'POST') {
        const attrs = parseObject(req.body);
        if (!attrs) return sinatraError(400);
        const candidate = pick<T>(attrs, spec.fields);
        const errors = await spec.validate(candidate);
        if (Object.keys(errors).length) return jsonResponse(422, errors);
        if (rows.length >= MAX_RECORDS) return jsonResponse(422, { base: [`at most ${MAX_RECORDS} ${plural} are kept`] });
        const now = new Date().toISOString();
        const row = { ...candidate, id: nextId++, created_at: now, updated_at: now } as T;
        rows.push(row);
        return jsonResponse(201, row, { location: `/${plural}/${row.id}.json` });
      }
      return sinatraError(404);
    }
    const m = req.path.match(new RegExp(`^/${plural}/(\\d+)\\.json$`));
    if (!m) return sinatraError(404);
    const index = rows.findIndex((r) => r.id === Number(m[1]));
    const row = rows[index];
    if (req.method === 'GET' || isHead) return row ? jsonResponse(200, row) : { status: 404, headers: { 'content-type': 'text/html;charset=utf-8' }, body: '' };
    if (!row) return { status: 404, headers: { 'content-type': 'text/html;charset=utf-8' }, body: '' };
    if (req.method === 'PUT') {
      const attrs = parseObject(req.body);
      if (!attrs) return sinatraError(400);
      const updated = { ...row, ...pick<T>(attrs, spec.fields) };
      const errors = await spec.validate(updated);
      if (Object.keys(errors).length) return jsonResponse(422, errors);
      updated.updated_at = new Date().toISOString();
      rows[index] = updated;
      return jsonResponse(200, updated, { location: `/${plural}/${row.id}.json` });
    }
    if (req.method === 'DELETE') {
      await spec.beforeDestroy?.(row);
      const at = rows.indexOf(row);
      if (at >= 0) rows.splice(at, 1);
      return { status: 204 };
    }
    return sinatraError(404);
  });
}

function pick<T>(attrs: Record<string, unknown>, fields: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in attrs) out[f] = attrs[f];
  return out as Partial<T>;
}

/** ActiveRecord's integer cast of a form value ("345" → 345). */
const toInt = (v: unknown) => (typeof v === 'number' ? Math.trunc(v) : /^\s*-?\d+/.test(String(v ?? '')) ? Number.parseInt(String(v), 10) : undefined);

export function authorsApp(ctx: WorkloadContext): Workload {
  const rows = seedAuthors(new Date().toISOString());
  const booksSite = siteUrl(ctx.env.BOOKS_SITE, 'http://localhost:7002');
  const call = (method: string, path: string) =>
    cappedExchange(ctx.agent, { method, url: new URL(path, booksSite), headers: { accept: 'application/json' }, timeoutMs: CALL_TIMEOUT_MS, bodyLimit: CALL_BODY_LIMIT });
  return resourceService<Author>(ctx, appPort(ctx, 7001), 'authors', rows, {
    fields: ['first_name', 'last_name'],
    async validate(a) {
      const errors: Record<string, string[]> = {};
      if (blank(a.first_name)) errors.first_name = ["can't be blank"];
      if (blank(a.last_name)) errors.last_name = ["can't be blank"];
      if (tooLong(a.first_name)) errors.first_name = [TOO_LONG];
      if (tooLong(a.last_name)) errors.last_name = [TOO_LONG];
      if (!errors.first_name && rows.some((r) => r.id !== a.id && r.first_name === a.first_name && r.last_name === a.last_name))
        errors.first_name = ['and last name are not unique'];
      return errors;
    },
    // models/author.rb before_destroy: delete the author's books through the books service.
    async beforeDestroy(author) {
      const res = await call('GET', `/books.json?author_id=${author.id}`);
      if (res.status >= 500) throw Object.assign(new Error(`books answered ${res.status}`), { status: 500 });
      const books = JSON.parse(res.body) as { id: number }[];
      for (const b of books) await call('DELETE', `/books/${b.id}.json`);
    },
  });
}

export function booksApp(ctx: WorkloadContext): Workload {
  const rows = seedBooks(new Date().toISOString());
  const authorsSite = siteUrl(ctx.env.AUTHORS_SITE, 'http://localhost:7001');
  return resourceService<Book>(ctx, appPort(ctx, 7002), 'books', rows, {
    fields: ['title', 'author_id', 'pages'],
    async validate(b) {
      const errors: Record<string, string[]> = {};
      if (blank(b.title)) errors.title = ["can't be blank"];
      else if (tooLong(b.title)) errors.title = [TOO_LONG];
      const pages = toInt(b.pages);
      if (blank(b.pages)) errors.pages = ["can't be blank", 'is not a number'];
      else if (pages === undefined || !/^\s*-?\d+(\.\d+)?\s*$/.test(String(b.pages))) errors.pages = ['is not a number'];
      else if (pages <= 0) errors.pages = ['must be greater than 0'];
      else b.pages = pages;
      const authorId = toInt(b.author_id);
      b.author_id = authorId;
      // Author.exists?(author_id): a HEAD to the authors service. 404 means no such author; a 5xx is an
      // ActiveResource::ServerError that nothing rescues, so the request fails with 500 (the tutorial's failure).
      let exists = false;
      if (authorId !== undefined) {
        const res = await cappedExchange(ctx.agent, {
          method: 'HEAD',
          url: new URL(`/authors/${authorId}.json`, authorsSite),
          headers: { accept: 'application/json' },
          timeoutMs: CALL_TIMEOUT_MS,
          bodyLimit: 0,
        });
        if (res.status >= 500) throw Object.assign(new Error(`Failed.  Response code = ${res.status}.`), { status: 500 });
        exists = res.status >= 200 && res.status < 300;
      }
      if (!exists) errors.author_id = ['does not exist'];
      return errors;
    },
  });
}
