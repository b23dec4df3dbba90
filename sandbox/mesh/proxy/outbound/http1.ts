// The HTTP/1 slow path through the layers (node:http on both sides), for requests whose rule needs more than an
// endpoint: the rule's reject and fault, request filters (header modifiers, URL rewrites, redirects, mirrors; the
// rule's, then the chosen backendRef's), the request timeout around the retry loop, and per try the balancing layer's
// target, the endpoint layer's call and the retry layer's decision; the telemetry layer records how it ended.
import type { IncomingMessage, OutgoingHttpHeaders, RequestOptions, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { CompiledRule, HeaderModifier, MeshSnapshot, MirrorSpec, RedirectSpec } from '../../config/snapshot.js';
import { DEBUG_REQUEST_HEADER, MIRROR_BODY_LIMIT_BYTES, MIRROR_MAX_IN_FLIGHT, MIRROR_TIMEOUT_MS, RETRY_BODY_LIMIT_BYTES } from '../../constants.js';
import { AttemptError } from '../attempt-error.js';
import { LocalReplyError } from '../destination-clusters.js';
import type { Destination } from '../destination.js';
import { proxyError, stripHopByHop, type ProxyContext } from '../proxy-context.js';
import { forwardableHeaders, rawHeader } from '../raw-headers.js';
import { relayBody } from '../relay-body.js';
import { applyModifier, filtersFor, hasRoutingFilters, mirrorSelected, redirectLocation, rewriteTarget, shadowAuthority } from '../request-filters.js';
import type { MeshRequestOptions } from '../upstream-pool.js';
import type { BackendBalancer } from './balance.js';
import type { Http1Body, EndpointClient, InFlight } from './endpoint.js';
import { injectFault } from './fault.js';
import type { OutboundRequest, ProxyReply } from './request-outcome.js';
import { attemptErrorOf, backoffMs, grpcStatusOf, maxAttemptsOf, retryAfterAnswer, retryAfterFailure, routeErrorOf, sleep, tryTimeoutMs } from './retry.js';
import { describeService, type OutboundTelemetry } from './telemetry.js';

export class Http1Pipeline {
  /** Mirrored copies on the wire; past MIRROR_MAX_IN_FLIGHT further copies are dropped, never queued. */
  private mirrorsInFlight = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly balance: BackendBalancer,
    private readonly endpoint: EndpointClient,
    private readonly telemetry: OutboundTelemetry,
  ) {}

  /** A request whose destination and rule are chosen (`out.dest`, `out.route`). */
  async serve(req: IncomingMessage, res: ServerResponse, out: OutboundRequest, snap: MeshSnapshot, dest: Destination, rule: CompiledRule): Promise<void> {
    out.rule = rule; // per-route metrics from here on
    if (rule.reject) return this.finish(req, res, out, { status: rule.reject.status, message: `route ${rule.label}: ${rule.reject.reason}` });
    if (rule.fault) {
      const abort = await injectFault(rule);
      if (abort) return this.finish(req, res, out, { status: abort.status, message: `fault injected by route ${rule.label}`, body: abort.body });
    }

    const requestPath = req.url ?? '/';
    const requestAuthority = rawHeader(req.rawHeaders, 'host') ?? '';
    let path = requestPath;
    if (rule.redirect) return this.redirect(req, res, out, dest, rule.redirect, rule.responseHeaders, path);

    // Without header filters, headers go through as raw pairs (see raw-headers.ts); with them, as an object.
    const filtered = hasRoutingFilters(rule);
    let headers: OutgoingHttpHeaders | string[];
    if (rule.requestHeaders || filtered) {
      headers = req.headers;
      stripHopByHop(headers);
      if (rule.requestHeaders) applyModifier(headers, rule.requestHeaders);
      if (rule.rewrite) {
        const t = rewriteTarget(String(headers.host ?? ''), path, rule.rewrite);
        headers.host = t.authority;
        path = t.pathWithQuery;
      }
    } else {
      headers = forwardableHeaders(req.rawHeaders);
    }

    // A retry or a mirror needs the body again: buffer small bodies (like Linkerd, 64 KiB); stream the rest,
    // unretried and unmirrored.
    const mirrored = !!rule.mirrors || rule.backends.some((b) => b.filters?.mirrors);
    const length = Number(rawHeader(req.rawHeaders, 'content-length') ?? 0);
    const hasBody = length > 0 || rawHeader(req.rawHeaders, 'transfer-encoding') !== undefined;
    let body: Http1Body;
    if (!hasBody) body = undefined;
    else if (rule.retry && length > 0 && length <= RETRY_BODY_LIMIT_BYTES) body = await readBody(req, length);
    else if (mirrored && length > 0 && length <= MIRROR_BODY_LIMIT_BYTES) body = await readBody(req, length);
    else body = 'stream';
    const maxAttempts = maxAttemptsOf(rule, body !== 'stream');
    if (rule.mirrors && body !== 'stream') this.mirror(snap, rule.mirrors, req.method ?? 'GET', path, headers as OutgoingHttpHeaders, body);

    let inFlight: InFlight | undefined;
    let timedOut = false;
    const deadline = rule.requestTimeoutMs
      ? setTimeout(() => {
          timedOut = true;
          out.error = 'REQUEST_TIMEOUT';
          inFlight?.destroy(new AttemptError(504, `request timeout of ${rule.requestTimeoutMs}ms (route ${rule.label}) exceeded`, false));
          if (!res.headersSent) this.finish(req, res, out, { status: 504, message: `request timeout of ${rule.requestTimeoutMs}ms exceeded` });
          else res.destroy();
        }, rule.requestTimeoutMs)
      : undefined;
    res.once('close', () => {
      clearTimeout(deadline);
      if (!res.writableFinished) inFlight?.destroy(); // the caller went away: free the upstream too
    });

    let lastError: AttemptError | undefined;
    for (let attempt = 1; attempt <= maxAttempts && !timedOut && !res.destroyed; attempt++) {
      if (attempt > 1) await sleep(backoffMs(rule, attempt));
      if (timedOut || res.destroyed) return;
      if (attempt > 1) out.retries++;
      const target = this.balance.pickTarget(snap, dest, rule);
      if (target instanceof AttemptError) {
        lastError = target;
        if (!target.retryable) break;
        continue;
      }
      out.target = target;
      // The chosen backendRef's own filters, on a copy of the rule's request.
      let sendHeaders = headers;
      let sendPath = path;
      const own = target.backend?.filters;
      if (own) {
        const all = filtersFor(rule, target.backend);
        if (own.redirect) {
          clearTimeout(deadline);
          return this.redirect(req, res, out, dest, own.redirect, all.responseHeaders, path);
        }
        const h: OutgoingHttpHeaders = { ...(headers as OutgoingHttpHeaders) };
        if (own.requestHeaders) applyModifier(h, own.requestHeaders);
        if (own.rewrite) {
          // The rule's and the backendRef's rewrites merged (the backendRef's fields win), from the caller's request.
          const t = rewriteTarget(requestAuthority, requestPath, all.rewrite);
          h.host = t.authority;
          sendPath = t.pathWithQuery;
        }
        sendHeaders = h;
        if (own.mirrors && attempt === 1 && body !== 'stream') this.mirror(snap, own.mirrors, req.method ?? 'GET', sendPath, h, body);
      }
      // Envoy's max_retries circuit breaker: a retry over the cluster's budget is not made.
      const retryDone = attempt > 1 ? target.cluster?.breaker?.startRetry() : undefined;
      if (attempt > 1 && target.cluster?.breaker && !retryDone) break;
      const done = this.ctx.balancer.start(target.endpoint);
      const sent = performance.now();
      try {
        const upstream = await this.endpoint.call(req, target, sendPath, sendHeaders, body, tryTimeoutMs(rule), (r) => (inFlight = r)).finally(() => retryDone?.());
        done(performance.now() - sent);
        if (timedOut || res.destroyed) {
          upstream.resume();
          return;
        }
        const status = upstream.statusCode ?? 502;
        this.balance.observe(target, status);
        this.telemetry.recordBackend(rule, dest, target, status, undefined);
        if (retryAfterAnswer(rule, out, attempt, maxAttempts, status, grpcStatusOf(upstream.headers['grpc-status']))) {
          upstream.resume(); // drain so the pooled connection can be reused
          lastError = new AttemptError(status, `upstream answered ${status}`, true);
          continue;
        }
        let response: OutgoingHttpHeaders | string[];
        const responseHeaders = own ? filtersFor(rule, target.backend).responseHeaders : rule.responseHeaders;
        if (responseHeaders) {
          response = upstream.headers;
          stripHopByHop(response);
          applyModifier(response, responseHeaders);
        } else {
          response = forwardableHeaders(upstream.rawHeaders);
        }
        if (rawHeader(req.rawHeaders, DEBUG_REQUEST_HEADER)) describeService(response, target, attempt, rule.label);
        res.writeHead(status, response);
        relayBody(upstream, res);
        res.once('finish', () => {
          clearTimeout(deadline);
          out.status = status;
          this.telemetry.record(out);
        });
        return;
      } catch (err) {
        done(performance.now() - sent);
        if (timedOut) return;
        if (err instanceof LocalReplyError) {
          lastError = err; // the circuit breaker's overflow: never retried (Envoy marks it x-envoy-overloaded)
          break;
        }
        if (res.destroyed) return; // the caller went away: not the endpoint's failure
        lastError = attemptErrorOf(err, target);
        // Local-origin failures count for outlier detection as Envoy maps them: 504 a timeout, 503 the rest.
        this.balance.observe(target, lastError.status === 504 ? 504 : 503);
        this.telemetry.recordBackend(rule, dest, target, undefined, routeErrorOf(lastError));
        if (!retryAfterFailure(rule, out, attempt, maxAttempts, err)) break;
      }
    }
    clearTimeout(deadline);
    if (timedOut || res.destroyed) return;
    const e = lastError ?? new AttemptError(502, 'no attempt was made', false);
    out.error = routeErrorOf(e);
    this.finish(req, res, out, e);
  }

  /** The proxy answers the request itself (an error, a fault, a timeout) and records it. */
  finish(req: IncomingMessage, res: ServerResponse, out: OutboundRequest, reply: ProxyReply): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
    } else {
      proxyError(res, reply.status, reply.message, reply.body, reply.headers);
    }
    req.resume();
    out.status = reply.status;
    out.reason = reply.message;
    this.telemetry.record(out);
  }

  /** A RequestRedirect: the proxy answers itself, with the Location request-filters.ts composes. */
  private redirect(req: IncomingMessage, res: ServerResponse, out: OutboundRequest, dest: Destination, redirect: RedirectSpec, responseHeaders: HeaderModifier | undefined, path: string): void {
    const location = redirectLocation(
      // The app speaks plain HTTP to its sidecar; the "listener" is the Service port (or pod port) it dialled.
      { scheme: 'http', authority: rawHeader(req.rawHeaders, 'host') ?? '', pathWithQuery: path, listenerPort: dest.kind === 'service' ? dest.port.port : dest.port },
      redirect,
    );
    const headers: OutgoingHttpHeaders = { location, 'content-length': 0 };
    if (responseHeaders) applyModifier(headers, responseHeaders);
    res.writeHead(redirect.status, headers);
    res.end();
    req.resume();
    out.status = redirect.status;
    out.target = undefined; // answered by the proxy, not an endpoint
    this.telemetry.record(out);
  }

  /**
   * RequestMirror: fire-and-forget copies to one endpoint of each selected mirror Service, through the same mesh path
   * as real requests (balancer, mTLS to meshed pods), with the Host marked `-shadow` as Envoy marks it. The answer is
   * read and discarded; errors, timeouts and a full in-flight budget only drop the copy, never touch the caller's
   * request (which does not wait for it).
   */
  private mirror(snap: MeshSnapshot, mirrors: MirrorSpec[], method: string, path: string, headers: OutgoingHttpHeaders, body: Buffer | undefined): void {
    for (const m of mirrors) {
      if (!mirrorSelected(m) || this.mirrorsInFlight >= MIRROR_MAX_IN_FLIGHT) continue;
      const target = this.balance.pickMirrorTarget(snap, m);
      if (!target) continue;
      const { endpoint, identity } = target;
      const copy: OutgoingHttpHeaders = { ...headers, host: shadowAuthority(String(headers.host ?? `${m.service}:${m.port}`)) };
      const options: RequestOptions & MeshRequestOptions = { host: endpoint.ip, port: endpoint.port, method, path, headers: copy, agent: this.endpoint.agentFor(identity), meshIdentity: identity };
      this.mirrorsInFlight++;
      const settle = this.ctx.balancer.start(endpoint);
      const sent = performance.now();
      const request = httpRequest(options);
      const timer = setTimeout(() => request.destroy(new Error(`mirror timeout of ${MIRROR_TIMEOUT_MS}ms`)), MIRROR_TIMEOUT_MS).unref();
      request.once('close', () => {
        clearTimeout(timer);
        this.mirrorsInFlight--;
        settle(performance.now() - sent);
      });
      request.on('error', () => {}); // a lost copy is not the caller's problem
      request.once('response', (r) => r.resume());
      request.end(body);
    }
  }
}

/** A request body of `length` bytes, buffered (to send it again on a retry or a mirror). */
function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
    req.once('error', reject);
  });
}
