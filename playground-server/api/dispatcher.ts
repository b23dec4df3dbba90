// One handler per operationId, shared by the REST and WebSocket transports: the dispatcher checks the
// session requirement, runs the handler, and counts and logs the outcome.
import type { Logger } from 'pino';
import { ApiError, sessionRequired, toApiError } from './errors.js';
import type { LoadedSpec, OperationId, OperationSpec } from './spec.js';
import type { OpEvent, OpParams, OpResult } from './types.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { ActiveSession } from '../sessions/active-session.js';

/** A result written as is (REST: its content type; WS: the text as the result). */
export class RawResult {
  constructor(
    readonly contentType: string,
    readonly text: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export type Transport = 'rest' | 'ws';

export interface OpContext<K extends OperationId> {
  transport: Transport;
  /** The caller's session; always set for operations that are not public. */
  session: ActiveSession | undefined;
  /** Aborted when the client goes away or cancels. */
  signal: AbortSignal;
  /** Stream an event; resolves when the transport can take more (back-pressure). */
  emit(event: OpEvent<K>): Promise<void>;
  /** createSession / resumeSession: the transport remembers the session (cookie, bound socket). */
  bindSession(session: ActiveSession, token: string): void;
  log: Logger;
  /** The client's address (per-client limits), as the transport saw it (X-Forwarded-For only behind a trusted proxy). */
  client?: string;
}

export type Handler<K extends OperationId> = (params: OpParams<K>, ctx: OpContext<K>) => Promise<OpResult<K> | RawResult>;

type AnyHandler = (params: Record<string, unknown>, ctx: OpContext<OperationId>) => Promise<unknown>;

export class Dispatcher {
  private handlers = new Map<OperationId, AnyHandler>();

  constructor(
    readonly spec: LoadedSpec,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {}

  register<K extends OperationId>(operationId: K, handler: Handler<K>): this {
    if (!this.spec.operations.has(operationId)) throw new Error(`no operation "${operationId}" in the spec`);
    if (this.handlers.has(operationId)) throw new Error(`operation "${operationId}" already has a handler`);
    this.handlers.set(operationId, handler as unknown as AnyHandler);
    return this;
  }

  /** Every operation in the spec has exactly one handler (checked at startup). */
  assertComplete(): void {
    const missing = [...this.spec.operations.keys()].filter((id) => !this.handlers.has(id));
    if (missing.length) throw new Error(`operations without a handler: ${missing.join(', ')}`);
  }

  operation(id: string): OperationSpec | undefined {
    return this.spec.operations.get(id as OperationId);
  }

  /** Run a validated operation (the transport has already applied the rate limit). */
  async run(op: OperationSpec, params: Record<string, unknown>, ctx: OpContext<OperationId>): Promise<unknown> {
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      if (!op.public && !ctx.session) throw sessionRequired();
      ctx.session?.touch();
      const handler = this.handlers.get(op.operationId);
      if (!handler) throw new ApiError(501, 'NotImplemented', `operation ${op.operationId} has no handler on this server`);
      return await handler(params, ctx);
    } catch (err) {
      const apiErr = toApiError(err);
      outcome = apiErr.reason;
      if (apiErr.code >= 500) {
        const cause = (apiErr as { cause?: unknown }).cause;
        // An error the server chose to answer (capacity, cluster unreachable) is one line; an unexpected one keeps its stack.
        const detail = err instanceof ApiError ? err.message : ((err as Error)?.stack ?? String(err));
        this.log.warn({ op: op.operationId, err: detail, cause: cause instanceof Error ? cause.message : undefined }, 'operation failed');
      }
      throw apiErr;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.operation(op.operationId, ctx.transport, outcome, seconds);
    }
  }
}
