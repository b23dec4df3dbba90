// The server's own Prometheus metrics (prom-client), on a registry per server so several servers in one
// process (tests) do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly ops: Counter<'operation' | 'transport' | 'outcome'>;
  private readonly latency: Histogram<'operation' | 'transport'>;
  readonly sessions: Gauge;
  readonly wsConnections: Gauge;
  readonly wsRejected: Counter<'reason'>;

  constructor(defaultMetrics = true) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'playground_' });
    this.ops = new Counter({ name: 'playground_operations_total', help: 'Operations handled, by outcome (ok or the error reason).', labelNames: ['operation', 'transport', 'outcome'], registers: [this.registry] });
    this.latency = new Histogram({
      name: 'playground_operation_duration_seconds',
      help: 'Operation latency.',
      labelNames: ['operation', 'transport'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.sessions = new Gauge({ name: 'playground_sessions_active', help: 'Sessions currently active.', registers: [this.registry] });
    this.wsConnections = new Gauge({ name: 'playground_ws_connections', help: 'Open WebSocket connections.', registers: [this.registry] });
    this.wsRejected = new Counter({ name: 'playground_ws_rejected_total', help: 'WebSocket upgrades or messages refused, by reason.', labelNames: ['reason'], registers: [this.registry] });
  }

  operation(operation: string, transport: string, outcome: string, seconds: number): void {
    this.ops.inc({ operation, transport, outcome });
    this.latency.observe({ operation, transport }, seconds);
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }
}
