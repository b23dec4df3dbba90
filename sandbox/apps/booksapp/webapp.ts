// The books app's webapp (:7000, BuoyantIO/booksapp webapp.rb): HTML pages over the authors and books services,
// called as ActiveResource calls them (AUTHORS_SITE, BOOKS_SITE). Forms POST and are answered with Sinatra's
// redirects (303 after a POST, 302 after a GET) and a flash message; a service's 5xx is not rescued upstream, so the
// page answers 500 — which is how the authors service's HEAD failures surface as failed book creates and edits.
import type { Workload, WorkloadContext } from '../../runtime/workload.js';
import { cappedExchange } from '../../runtime/capped-exchange.js';
import { appPort, httpWorkload, type AppRequest, type AppResponse } from '../http-workload.js';
import type { Author, Book } from './records.js';
import { failsHead, siteUrl, sinatraError } from './sinatra.js';
import { authorView, bookView, editAuthorView, editBookView, indexView, layout, type Flash } from './views.js';

const CALL_TIMEOUT_MS = 10_000;
const CALL_BODY_LIMIT = 1024 * 1024;
const FLASH_COOKIE = 'booksapp.flash';

class NotFound extends Error {}

interface Saved<T> {
  row?: T;
  errors?: Record<string, string[]>;
}

/** ActiveResource's view of one collection at `site`: 404 is NotFound, any other failure a ServerError (500). */
function resource<T extends { id: number }>(ctx: WorkloadContext, site: URL, plural: string) {
  const call = async (method: string, path: string, body?: object) => {
    const res = await cappedExchange(ctx.agent, {
      method,
      url: new URL(path, site),
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      timeoutMs: CALL_TIMEOUT_MS,
      bodyLimit: CALL_BODY_LIMIT,
    });
    if (res.status === 404) throw new NotFound(`${method} ${path}: 404`);
    if (res.status >= 300 && res.status !== 422) throw Object.assign(new Error(`Failed.  Response code = ${res.status}.  Response message = ${method} ${path}.`), { status: 500 });
    return res;
  };
  const parse = (text: string): unknown => (text ? JSON.parse(text) : undefined);
  const saved = (res: { status: number; body: string }): Saved<T> => (res.status === 422 ? { errors: parse(res.body) as Record<string, string[]> } : { row: parse(res.body) as T });
  return {
    all: async (params: Record<string, string>) => parse((await call('GET', `/${plural}.json?${new URLSearchParams(params)}`)).body) as T[],
    find: async (id: string | number) => parse((await call('GET', `/${plural}/${encodeURIComponent(String(id))}.json`)).body) as T,
    create: async (attrs: object) => saved(await call('POST', `/${plural}.json`, attrs)),
    update: async (id: number, attrs: object) => saved(await call('PUT', `/${plural}/${id}.json`, attrs)),
    destroy: async (id: string | number) => void (await call('DELETE', `/${plural}/${encodeURIComponent(String(id))}.json`)),
  };
}

/** ActiveModel's full_messages: `{"first_name": ["can't be blank"]}` → `First name can't be blank`. */
function fullMessages(errors: Record<string, string[]> | undefined): string {
  return Object.entries(errors ?? {})
    .flatMap(([field, msgs]) => msgs.map((m) => (field === 'base' ? m : `${field.replace(/_id$/, '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())} ${m}`)))
    .join('; ');
}

function form(req: AppRequest, fields: string[]): Record<string, string> {
  const params = new URLSearchParams(req.body);
  const out: Record<string, string> = {};
  for (const f of fields) {
    const v = params.get(f) ?? req.query.get(f);
    if (v !== null) out[f] = v;
  }
  return out;
}

function readFlash(req: AppRequest): Flash {
  const raw = String(req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${FLASH_COOKIE}=`));
  if (!raw) return {};
  try {
    const v = JSON.parse(decodeURIComponent(raw.slice(FLASH_COOKIE.length + 1))) as Flash;
    return { notice: typeof v.notice === 'string' ? v.notice : undefined, error: typeof v.error === 'string' ? v.error : undefined };
  } catch {
    return {};
  }
}

export function booksWebapp(ctx: WorkloadContext): Workload {
  const authors = resource<Author>(ctx, siteUrl(ctx.env.AUTHORS_SITE, 'http://localhost:7001'), 'authors');
  const books = resource<Book>(ctx, siteUrl(ctx.env.BOOKS_SITE, 'http://localhost:7002'), 'books');
  const failureRate = Number(ctx.env.FAILURE_RATE ?? 0) || 0;

  const redirect = (req: AppRequest, path: string, flash?: Flash): AppResponse => ({
    status: req.method === 'GET' ? 302 : 303,
    headers: {
      location: `http://${req.headers.host ?? 'webapp:7000'}${path}`,
      'content-type': 'text/html;charset=utf-8',
      ...(flash ? { 'set-cookie': `${FLASH_COOKIE}=${encodeURIComponent(JSON.stringify(flash))}; Path=/; HttpOnly` } : {}),
    },
    body: '',
  });
  const page = (req: AppRequest, body: string): AppResponse => {
    const flash = readFlash(req);
    const clear: Record<string, string> = flash.notice || flash.error ? { 'set-cookie': `${FLASH_COOKIE}=; Path=/; Max-Age=0` } : {};
    return { status: 200, headers: { 'content-type': 'text/html;charset=utf-8', ...clear }, body: layout(body, flash) };
  };

  const routes = async (req: AppRequest): Promise<AppResponse> => {
    const { method, path } = req;
    const get = method === 'GET' || method === 'HEAD';
    if (path === '/ping' && get) return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'pong' };
    if (path === '/' && get) {
      const [b, a] = await Promise.all([books.all({ order: 'lower(title)' }), authors.all({ order: 'lower(last_name)' })]);
      return page(req, indexView(b, a));
    }
    if (path === '/reset' && get) {
      for (const a of await authors.all({ last_name: 'Cline' })) await authors.destroy(a.id);
      return { status: 204 };
    }
    if (path === '/authors' && method === 'POST') {
      const res = await authors.create(form(req, ['first_name', 'last_name']));
      if (res.row) return redirect(req, `/authors/${res.row.id}`, { notice: `Author "${res.row.first_name} ${res.row.last_name}" created` });
      return redirect(req, '/', { error: `Author create failed: ${fullMessages(res.errors)}` });
    }
    if (path === '/books' && method === 'POST') {
      const res = await books.create(form(req, ['title', 'author_id', 'pages']));
      if (res.row) return redirect(req, `/books/${res.row.id}`, { notice: `Book "${res.row.title}" created` });
      return redirect(req, '/', { error: `Book create failed: ${fullMessages(res.errors)}` });
    }
    const m = path.match(/^\/(authors|books)\/([^/]+)(?:\/(edit|delete))?$/);
    if (!m) return sinatraError(404);
    const [, kind, id, action] = m;
    try {
      if (kind === 'authors') {
        if (!action && get) {
          const author = await authors.find(id);
          return page(req, authorView(author, await books.all({ author_id: String(author.id), order: 'lower(title)' })));
        }
        if (action === 'edit' && get) return page(req, editAuthorView(await authors.find(id)));
        if (action === 'edit' && method === 'POST') {
          const author = await authors.find(id);
          const res = await authors.update(author.id, { ...author, ...form(req, ['first_name', 'last_name']) });
          const flash = res.row ? { notice: `Author "${res.row.first_name} ${res.row.last_name}" updated` } : { error: `Author update failed: ${fullMessages(res.errors)}` };
          return redirect(req, `/authors/${author.id}`, flash);
        }
        if (action === 'delete' && method === 'POST') {
          await authors.destroy(id);
          return redirect(req, '/', { notice: 'Author deleted' });
        }
      } else {
        if (!action && get) {
          const book = await books.find(id);
          return page(req, bookView(book, await authors.find(book.author_id)));
        }
        if (action === 'edit' && get) {
          const [book, all] = await Promise.all([books.find(id), authors.all({ order: 'lower(last_name)' })]);
          return page(req, editBookView(book, all));
        }
        if (action === 'edit' && method === 'POST') {
          const book = await books.find(id);
          const res = await books.update(book.id, { ...book, ...form(req, ['title', 'author_id', 'pages']) });
          const flash = res.row ? { notice: `Book "${res.row.title}" updated` } : { error: `Book update failed: ${fullMessages(res.errors)}` };
          return redirect(req, `/books/${book.id}`, flash);
        }
        if (action === 'delete' && method === 'POST') {
          await books.destroy(id);
          return redirect(req, '/', { notice: 'Book deleted' });
        }
      }
    } catch (err) {
      if (err instanceof NotFound) return redirect(req, '/', { error: 'Not found' });
      throw err;
    }
    return sinatraError(404);
  };

  return httpWorkload(ctx, appPort(ctx, 7000), async (req) => {
    if (failsHead(req, failureRate)) return { status: 503, body: '' };
    try {
      return await routes(req);
    } catch (err) {
      ctx.log(`${(err as Error).name}: ${(err as Error).message}`);
      return sinatraError(500);
    }
  });
}
