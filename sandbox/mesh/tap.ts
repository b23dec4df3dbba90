// The live request tap (like `linkerd viz tap`): sidecars publish one event per request while anyone is
// listening; subscribers get a filtered async iterable with a bounded buffer (oldest events are dropped
// and counted when a consumer is slow, so a stuck consumer never grows memory or slows the data plane).

export interface TapPeer {
  namespace?: string;
  pod?: string;
  deployment?: string;
  service?: string;
  ip?: string;
  /** SPIFFE identity, when known (verified by mTLS on inbound; expected and verified on outbound). */
  identity?: string;
}

export interface TapEvent {
  timestamp: string;
  direction: 'inbound' | 'outbound';
  /** The proxy that saw the request. */
  proxy: { namespace: string; pod: string; deployment?: string };
  source: TapPeer;
  destination: TapPeer;
  authority: string;
  route: string;
  method: string;
  path: string;
  /** HTTP status sent to the client (0 when the request failed before a response). */
  status: number;
  latencyMs: number;
  tls: boolean;
  /** 'HTTP/2' when the proxy served the request over HTTP/2 (gRPC, h2c); absent for HTTP/1.x. */
  protocol?: 'HTTP/2';
  error?: string;
}

export interface TapFilter {
  namespace?: string;
  deployment?: string;
  pod?: string;
  direction?: 'inbound' | 'outbound';
  toNamespace?: string;
  toDeployment?: string;
  toService?: string;
  method?: string;
  pathPrefix?: string;
  authority?: string;
}

export const DEFAULT_TAP_BUFFER = 1000;
export const MAX_TAP_BUFFER = 10_000;

export interface TapSubscription extends AsyncIterable<TapEvent> {
  /** Events dropped because the buffer was full. */
  readonly dropped: number;
  close(): void;
}

function matches(f: TapFilter, e: TapEvent): boolean {
  return (
    (f.namespace === undefined || e.proxy.namespace === f.namespace) &&
    (f.deployment === undefined || e.proxy.deployment === f.deployment) &&
    (f.pod === undefined || e.proxy.pod === f.pod) &&
    (f.direction === undefined || e.direction === f.direction) &&
    (f.toNamespace === undefined || e.destination.namespace === f.toNamespace) &&
    (f.toDeployment === undefined || e.destination.deployment === f.toDeployment) &&
    (f.toService === undefined || e.destination.service === f.toService) &&
    (f.method === undefined || e.method === f.method) &&
    (f.pathPrefix === undefined || e.path.startsWith(f.pathPrefix)) &&
    (f.authority === undefined || e.authority === f.authority)
  );
}

class Subscription implements TapSubscription {
  private buffer: TapEvent[] = [];
  private waiter?: (r: IteratorResult<TapEvent>) => void;
  private closed = false;
  dropped = 0;

  constructor(
    readonly filter: TapFilter,
    private readonly limit: number,
    private readonly onClose: (s: Subscription) => void,
  ) {}

  push(e: TapEvent): void {
    if (this.closed || !matches(this.filter, e)) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: e, done: false });
      return;
    }
    if (this.buffer.length >= this.limit) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(e);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer = [];
    this.onClose(this);
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<TapEvent> {
    return {
      next: () => {
        const e = this.buffer.shift();
        if (e) return Promise.resolve({ value: e, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

export class TapHub {
  private subs = new Set<Subscription>();
  private countWatchers = new Set<(subscribers: number) => void>();

  /** Called now and synchronously whenever a subscription opens or closes, with the count (to share it with another thread). */
  watchSubscribers(watcher: (subscribers: number) => void): () => void {
    this.countWatchers.add(watcher);
    watcher(this.subs.size);
    return () => this.countWatchers.delete(watcher);
  }

  private counted(): void {
    for (const w of this.countWatchers) w(this.subs.size);
  }

  /** Cheap check for the data plane: build an event only when someone listens. */
  get active(): boolean {
    return this.subs.size > 0;
  }

  publish(e: TapEvent): void {
    for (const s of this.subs) s.push(e);
  }

  subscribe(filter: TapFilter = {}, opts: { bufferSize?: number; signal?: AbortSignal } = {}): TapSubscription {
    const size = opts.bufferSize ?? DEFAULT_TAP_BUFFER;
    if (!Number.isInteger(size) || size < 1 || size > MAX_TAP_BUFFER) {
      throw new RangeError(`bufferSize must be an integer from 1 to ${MAX_TAP_BUFFER}, got ${size}`);
    }
    const sub = new Subscription(filter, size, (s) => {
      if (this.subs.delete(s)) this.counted();
    });
    this.subs.add(sub);
    this.counted();
    opts.signal?.addEventListener('abort', () => sub.close(), { once: true });
    if (opts.signal?.aborted) sub.close();
    return sub;
  }

  close(): void {
    for (const s of [...this.subs]) s.close();
  }
}
