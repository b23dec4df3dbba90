// The fast path's run through the layers, for a request whose rule needs nothing but an endpoint (fast-relay.ts relays
// its bytes): the endpoint chosen by the balancing layer, the connection from the endpoint layer, the peak-EWMA
// balancer settled on the response head, and the telemetry layer's record when it ends. A class that is its own
// RequestOutcome, so a request on the fast path makes no closures and no extra objects.
import type { Socket } from 'node:net';
import type { CompiledRule } from '../../config/snapshot.js';
import { DEBUG_REQUEST_HEADER } from '../../constants.js';
import type { Destination } from '../destination.js';
import type { RelayPlan } from '../fast-relay.js';
import type { RequestHead } from '../http1-head.js';
import type { ProxyContext } from '../proxy-context.js';
import { rawHeader } from '../raw-headers.js';
import type { RouteError } from '../route-metrics.js';
import type { Target } from './balance.js';
import type { EndpointClient } from './endpoint.js';
import type { RequestOutcome } from './request-outcome.js';
import { describeService, type OutboundTelemetry } from './telemetry.js';

/** The layers a fast-path request uses. */
export interface FastPathLayers {
  readonly ctx: ProxyContext;
  readonly endpoint: EndpointClient;
  readonly telemetry: OutboundTelemetry;
}

export class OutboundPlan implements RelayPlan, RequestOutcome {
  readonly upstreamKey: string;
  readonly addRequestHeaders: string[] = [];
  readonly route: string;
  status = 0;
  reason?: string = undefined;
  retries = 0;
  limitExceeded = false;
  error?: RouteError = undefined;
  private settle?: (latencyMs: number) => void;
  private readonly sent: number;

  constructor(
    private readonly layers: FastPathLayers,
    readonly request: RequestHead,
    readonly start: number,
    readonly dest: Destination,
    readonly rule: CompiledRule,
    readonly target: Target,
  ) {
    this.route = rule.label;
    this.upstreamKey = `${target.endpoint.ip}:${target.endpoint.port}:${target.identity ?? ''}`;
    this.settle = layers.ctx.balancer.start(target.endpoint);
    this.sent = performance.now();
  }

  connect(): Socket {
    const { ip, port } = this.target.endpoint;
    return this.layers.endpoint.dial(ip, port, this.target.identity);
  }

  onResponseHead(): string[] {
    this.settleBalancer();
    const out: string[] = [];
    if (rawHeader(this.request.rawHeaders, DEBUG_REQUEST_HEADER) !== undefined) describeService(out, this.target, 1, this.rule.label);
    return out;
  }

  done(status: number, error?: string): void {
    this.settleBalancer();
    this.status = status;
    this.reason = error;
    this.error = error ? 'IO' : undefined;
    this.layers.telemetry.recordBackend(this.rule, this.dest, this.target, error ? undefined : status, this.error);
    this.layers.telemetry.record(this);
  }

  cancelled(): void {
    this.settleBalancer();
  }

  private settleBalancer(): void {
    this.settle?.(performance.now() - this.sent);
    this.settle = undefined;
  }
}
