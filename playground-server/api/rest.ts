// The REST transport: method + path → operation (from the spec), parameters from path, query and a JSON
// body, validated before the shared handler runs; NDJSON for streaming operations (with back-pressure:
// a slow reader pauses the stream instead of growing memory).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ApiError, toApiError } from './errors.js';
import { Dispatcher, RawResult, type OpContext } from './dispatcher.js';
import { pathMatcher, type OperationId, type OperationSpec } from './spec.js';
import { originAllowed, requestSessionToken, sessionCookie } from './session-token.js';
import type { TokenBucketLimiter } from './rate-limit.js';
import { clientAddress, requestIsSecure, type ProxyTrust } from './http-guards.js';
import { parseJsonBounded } from './json-limits.js';
import type { FrameContract } from './frame-contract.js';
import type { ActiveSession } from '../sessions/active-session.js';

/** Largest JSON body accepted (a manifest is at most 512 KiB of YAML, JSON-escaped). */
export const MAX_REST_BODY_BYTES = 1024 * 1024;

export interface RestTransportOptions {
  dispatcher: Dispatcher;
  limiter: TokenBucketLimiter;
  resolveSession(token: string | undefined): Promise<ActiveSession | undefined>;
  allowedOrigins: readonly string[];
  /** Whether X-Forwarded-Proto/For are honoured (TLS detection for the cookie's Secure, the client's address). */
  trust: ProxyTrust;
  log: Logger;
  /** Checks every answer against the spec before it is sent (tests and development). */
  contract?: FrameContract;
}

interface Route {
  op: OperationSpec;
  regex: RegExp;
  names: string[];
  /** Literal segments first: /benchmarks/compare beats /benchmarks/{id}. */
  params: number;
}

export class RestTransport {
  private routes: Route[];

  constructor(private readonly opts: RestTransportOptions) {
    this.routes = [...opts.dispatcher.spec.operations.values()]
      .map((op) => ({ op, ...pathMatcher(op.path), params: op.pathParams.length }))
      .sort((a, b) => a.params - b.params);
  }

  /** Every (method, path template) this transport serves: the spec↔routes test compares it to the spec. */
  routeTable(): { method: string; path: string; operationId: OperationId }[] {
    return this.routes.map((r) => ({ method: r.op.method, path: r.op.path, operationId: r.op.operationId }));
  }

  /** Handles the request if its path belongs to an operation; returns false otherwise (static site). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    let pathname: string;
    let query: URLSearchParams;
    try {
      const url = new URL(req.url ?? '/', 'http://playground');
      pathname = url.pathname;
      query = url.searchParams;
    } catch {
      return false;
    }
    const matching = this.routes.filter((r) => r.regex.test(pathname));
    if (!matching.length) return false;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const route = matching.find((r) => r.op.method === method);
    if (!route) {
      const allow = [...new Set(matching.map((r) => r.op.method))].join(', ');
      sendError(res, new ApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on ${pathname}; use ${allow}`, { allow }), { allow });
      req.resume();
      return true;
    }
    this.serve(route, pathname, query, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, this.checked(route.op, toApiError(err)));
      else res.destroy();
    });
    return true;
  }

  /** The error itself, or (when answers are checked and it does not match the catalogue) the InternalError naming why. */
  private checked(op: OperationSpec, err: ApiError): ApiError {
    return this.opts.contract?.restAnswer(op, err.code, JSON.stringify(err.toBody()), true) ?? err;
  }

  private async serve(route: Route, pathname: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { op } = route;
    const session = await this.opts.resolveSession(requestSessionToken(req));
    const client = clientAddress(req, this.opts.trust);
    const secure = requestIsSecure(req, this.opts.trust);
    const rateErr = this.opts.limiter.tryTake(session ? `s:${session.id}` : `ip:${client}`);
    if (rateErr) {
      req.resume();
      return sendError(res, this.checked(op, rateErr), { 'retry-after': String(rateErr.details?.retryAfterSeconds ?? 1) });
    }
    // A browser on another site must not drive a learner's session with their cookie.
    if (op.method !== 'GET' && !originAllowed(req, secure, this.opts.allowedOrigins)) {
      req.resume();
      return sendError(res, this.checked(op, new ApiError(403, 'OriginNotAllowed', `requests from origin ${req.headers.origin} are not allowed; use the playground's own pages`)));
    }
    const body = await readJsonBody(req);
    const match = route.regex.exec(pathname)!;
    const pathValues: Record<string, string> = {};
    route.names.forEach((name, i) => {
      try {
        pathValues[name] = decodeURIComponent(match[i + 1]);
      } catch {
        pathValues[name] = match[i + 1];
      }
    });
    const queryValues: Record<string, string> = {};
    for (const [k, v] of query) queryValues[k] = v;
    const params = op.validateRest(pathValues, queryValues, body);

    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const headers: Record<string, string> = {};
    let streaming = false;
    const startStream = () => {
      if (streaming) return;
      streaming = true;
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    };
    const writeLine = async (frame: object): Promise<void> => {
      startStream();
      if (res.destroyed) return;
      if (!res.write((this.opts.contract ? this.opts.contract.ndjsonLine(op, frame) : JSON.stringify(frame)) + '\n')) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    };
    const ctx: OpContext<OperationId> = {
      transport: 'rest',
      session,
      signal: abort.signal,
      log: this.opts.log,
      client,
      emit: (event) => (op.stream ? writeLine({ event }) : Promise.resolve()),
      bindSession: (_s, token) => {
        headers['set-cookie'] = sessionCookie(token, secure);
      },
    };
    let result: unknown;
    try {
      result = await this.opts.dispatcher.run(op, params, ctx);
    } catch (err) {
      const apiErr = toApiError(err);
      if (streaming) {
        await writeLine({ error: apiErr.toBody() });
        res.end();
        return;
      }
      return sendError(res, this.checked(op, apiErr));
    }
    if (op.stream) {
      await writeLine({ result });
      res.end();
      return;
    }
    if (result instanceof RawResult) {
      const broken = this.opts.contract?.restAnswer(op, op.successStatus, result.text, false);
      if (broken) return sendError(res, broken);
      res.writeHead(op.successStatus, { 'content-type': result.contentType, 'content-length': Buffer.byteLength(result.text), 'cache-control': 'no-store', ...result.headers, ...headers });
      res.end(req.method === 'HEAD' ? undefined : result.text);
      return;
    }
    const text = JSON.stringify(result);
    const broken = this.opts.contract?.restAnswer(op, op.successStatus, text, true);
    if (broken) return sendError(res, broken);
    res.writeHead(op.successStatus, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}

export function sendError(res: ServerResponse, err: ApiError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(err.toBody());
  const retryAfter = err.code === 429 || err.code === 503 ? err.details?.retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number' && !headers['retry-after']) headers = { ...headers, 'retry-after': String(Math.ceil(retryAfter)) };
  res.writeHead(err.code, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The JSON body, or undefined when there is none; size-capped, content type checked. */
function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_REST_BODY_BYTES) {
      req.resume();
      reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than the ${MAX_REST_BODY_BYTES}-byte limit`, { limit: 'maxBodyBytes', value: MAX_REST_BODY_BYTES }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > MAX_REST_BODY_BYTES) {
        failed = true;
        chunks.length = 0;
        reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than the ${MAX_REST_BODY_BYTES}-byte limit`, { limit: 'maxBodyBytes', value: MAX_REST_BODY_BYTES }));
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {
      failed = true;
      reject(new ApiError(400, 'BadRequest', 'the request body could not be read'));
    });
    req.on('end', () => {
      if (failed) return;
      if (!size) return resolve(undefined);
      const type = String(req.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(type)) return reject(new ApiError(415, 'UnsupportedMediaType', `send the body as JSON with "Content-Type: application/json" (got "${type || 'none'}")`));
      try {
        resolve(parseJsonBounded(Buffer.concat(chunks).toString('utf8'), 'the body'));
      } catch (err) {
        reject(err);
      }
    });
  });
}
