// Envoy's HTTP/1 connection-pool circuit breakers for one client sidecar and one cluster (Istio's
// `connectionPool`): at most maxConnections upstream connections, at most maxPendingRequests requests waiting for a
// connection (waiting for a new one to connect counts), at most maxRequests in flight. As in Envoy's
// ConnPoolImplBase::newStreamImpl, a request that finds no idle connection and the pending queue full is an
// overflow, answered at once with 503 `x-envoy-overloaded: true` (upstream_rq_pending_overflow); one that must wait
// because no connection may be opened counts upstream_cx_overflow. No clock: the pool is driven by events
// (connection ready, freed, closed), so it is tested by calling those in order.
import type { ClusterCounters } from './envoy-cluster-stats.js';

/** Envoy's and Istio's "unlimited": 2^32 - 1. */
export const UNLIMITED = 2 ** 32 - 1;

export interface BreakerLimits {
  maxConnections: number;
  maxPendingRequests: number;
  maxRequests: number;
  maxRetries: number;
}

/** How a request is sent once admitted: on an idle connection of its endpoint, or on a connection it opens. */
export type Dispatch = 'reuse' | 'new';

/** What the pool needs to know about connections (the node Agent in destination-clusters.ts; a fake in tests). */
export interface ConnectionView {
  /** An idle, ready connection to this endpoint exists. */
  hasIdle(endpointKey: string): boolean;
  /** Close one idle connection to another endpoint so a waiting request can open one; false if there is none. */
  evictIdleExcept(endpointKey: string): boolean;
}

interface Waiter {
  endpointKey: string;
  dispatch: (how: Dispatch) => void;
  cancelled: boolean;
}

/** Envoy's local reply body for an overflow (its router's `upstream connect error …` form; seen in istio/istio#19454). */
export const OVERFLOW_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';
export const OVERLOADED_HEADER = 'x-envoy-overloaded';

export class CircuitBreaker {
  /** Connections open or opening. */
  private connections = 0;
  /** Requests sent on a new connection that is not ready yet: still pending, as in Envoy. */
  private connecting = 0;
  private active = 0;
  private retries = 0;
  private queue: Waiter[] = [];

  constructor(
    private limits: BreakerLimits,
    readonly counters: ClusterCounters,
    private readonly view: ConnectionView,
  ) {
    this.refreshGauges();
  }

  /** A new DestinationRule version: limits change, connections and queue stay. */
  setLimits(limits: BreakerLimits): void {
    this.limits = limits;
    this.pump();
  }

  private pending(): number {
    return this.queue.length + this.connecting;
  }

  /**
   * Admit a request for `endpointKey`. 'overflow' = answer 503 now. Otherwise `dispatch` is called (now, or later
   * from the queue) with how to send; the returned function withdraws a request still waiting (caller gone).
   */
  admit(endpointKey: string, dispatch: (how: Dispatch) => void): 'overflow' | (() => void) {
    const c = this.counters;
    if (this.view.hasIdle(endpointKey) && this.queue.length === 0) {
      if (this.active >= this.limits.maxRequests) return this.overflow();
      this.active++;
      c.upstream_rq_total++;
      this.refreshGauges();
      dispatch('reuse');
      return () => {};
    }
    if (this.pending() >= this.limits.maxPendingRequests) return this.overflow();
    c.upstream_rq_pending_total++;
    c.upstream_rq_total++;
    if (this.connections < this.limits.maxConnections && this.queue.length === 0) {
      this.openFor(dispatch);
      return () => {};
    }
    c.upstream_cx_overflow++;
    const waiter: Waiter = { endpointKey, dispatch, cancelled: false };
    this.queue.push(waiter);
    this.refreshGauges();
    this.pump();
    return () => {
      if (waiter.cancelled) return;
      const i = this.queue.indexOf(waiter);
      if (i !== -1) {
        this.queue.splice(i, 1);
        waiter.cancelled = true;
        this.refreshGauges();
      }
    };
  }

  private overflow(): 'overflow' {
    this.counters.upstream_rq_pending_overflow++;
    return 'overflow';
  }

  private openFor(dispatch: (how: Dispatch) => void): void {
    this.connections++;
    this.connecting++;
    this.counters.upstream_cx_total++;
    this.refreshGauges();
    dispatch('new');
  }

  /**
   * An HTTP/2 stream (one shared connection, many streams): only http2MaxRequests applies, as in Envoy's HTTP/2 pool
   * once connected. Returns the release function, or 'overflow'.
   */
  admitStream(): 'overflow' | (() => void) {
    if (this.active >= this.limits.maxRequests) return this.overflow();
    this.active++;
    this.counters.upstream_rq_total++;
    this.refreshGauges();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.finished();
    };
  }

  /** A request sent with 'new' got its connection (ready), or failed before that (`ok` false). */
  connected(ok: boolean): void {
    this.connecting--;
    if (ok) this.active++;
    this.refreshGauges();
  }

  /** A request that was active finished (response complete, or failed). */
  finished(): void {
    this.active--;
    this.refreshGauges();
    this.pump();
  }

  /** A connection became idle: a waiting request for its endpoint may take it. */
  freed(): void {
    this.pump();
  }

  /** A connection closed: one more may be opened. */
  closed(): void {
    this.connections--;
    this.refreshGauges();
    this.pump();
  }

  /** Envoy's retry budget (max_retries): false = the retry is not made (upstream_rq_retry_overflow). */
  startRetry(): (() => void) | undefined {
    if (this.retries >= this.limits.maxRetries) {
      this.counters.upstream_rq_retry_overflow++;
      return undefined;
    }
    this.retries++;
    let done = false;
    return () => {
      if (!done) this.retries--;
      done = true;
    };
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (this.view.hasIdle(head.endpointKey) && this.active < this.limits.maxRequests) {
        this.queue.shift();
        this.active++;
        this.refreshGauges();
        head.dispatch('reuse');
      } else if (this.connections < this.limits.maxConnections) {
        this.queue.shift();
        this.openFor(head.dispatch);
      } else {
        // At the limit: wait for a connection to close or free up. An idle one to another endpoint is closed to
        // make room (its close calls closed(), which pumps again).
        this.view.evictIdleExcept(head.endpointKey);
        break;
      }
    }
    this.refreshGauges();
  }

  private refreshGauges(): void {
    const c = this.counters;
    const l = this.limits;
    c.upstream_cx_active = this.connections;
    c.upstream_rq_active = this.active;
    c.upstream_rq_pending_active = this.pending();
    c['circuit_breakers.default.cx_open'] = this.connections >= l.maxConnections ? 1 : 0;
    c['circuit_breakers.default.rq_pending_open'] = this.pending() >= l.maxPendingRequests ? 1 : 0;
    c['circuit_breakers.default.rq_open'] = this.active >= l.maxRequests ? 1 : 0;
    c['circuit_breakers.default.remaining_cx'] = Math.max(0, l.maxConnections - this.connections);
    c['circuit_breakers.default.remaining_pending'] = Math.max(0, l.maxPendingRequests - this.pending());
    c['circuit_breakers.default.remaining_rq'] = Math.max(0, l.maxRequests - this.active);
  }
}
