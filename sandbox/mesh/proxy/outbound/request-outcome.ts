// What the telemetry layer records of one outbound request: what was asked, where it went, how it ended. The request
// carries one of these through the layers (route selection sets the destination and rule, balancing the target, the
// retry layer its counts), so a finished request is recorded with one object, not a list of positional arguments.
import type { CompiledRule } from '../../config/snapshot.js';
import type { Destination } from '../destination.js';
import type { RetryOutcome, RouteError } from '../route-metrics.js';
import type { Target } from './balance.js';

/** What metrics and tap need from a request, from node:http, the fast path's parsed head or an HTTP/2 stream. */
export interface RequestInfo {
  method?: string;
  url?: string;
  rawHeaders: string[];
  /** 'HTTP/2' for requests served by the HTTP/2 path (shown in tap); absent for HTTP/1.x. */
  protocol?: 'HTTP/2';
}

/** One outbound request as it finished. Its retry fields (retries, limitExceeded, error) are route-metrics' RetryOutcome. */
export interface RequestOutcome extends RetryOutcome {
  readonly request: RequestInfo;
  /** performance.now() when the request arrived. */
  readonly start: number;
  /** The status the caller got. */
  status: number;
  /** The proxy's own reason when it answered or failed the request itself (absent when the endpoint answered). */
  reason?: string;
  dest?: Destination;
  /** The route label of the golden metrics and tap ('' when no route matched). */
  route: string;
  /** The rule that served a request to a Service: recorded in the per-route families too. */
  rule?: CompiledRule;
  /** The endpoint that answered, or the last one tried. */
  target?: Target;
}

/** A request's outcome, filled in as it passes the layers (a class: one shape for every request). */
export class OutboundRequest implements RequestOutcome {
  status = 0;
  reason?: string = undefined;
  dest?: Destination = undefined;
  route = '';
  rule?: CompiledRule = undefined;
  target?: Target = undefined;
  retries = 0;
  limitExceeded = false;
  error?: RouteError = undefined;

  constructor(
    readonly request: RequestInfo,
    readonly start: number,
  ) {}
}

/** An answer the proxy makes itself (an AttemptError is one: status, message, body). */
export interface ProxyReply {
  status: number;
  message: string;
  /** The body the caller gets (e.g. Envoy's `no healthy upstream`); else the message. */
  body?: string;
  /** Extra headers (the circuit breaker's `x-envoy-overloaded`). */
  headers?: Record<string, string>;
}
