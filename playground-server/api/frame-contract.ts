// The answers the server sends, checked against openapi/playground.yaml before they leave (tests and development:
// PLAYGROUND_VALIDATE_RESPONSES=1 or NODE_ENV=test): the WebSocket envelope (WsFrame), the NDJSON line
// (StreamFrame), the operation's event and result schemas, and an error's reason and status against the error
// catalogue. A mismatch is a server bug: it is logged, kept in `violations` (the test fixture fails on any), and
// the answer is replaced by an InternalError naming the mismatch, so the test waiting for it fails as well.
import type { Logger } from 'pino';
import { ApiError, type FieldError } from './errors.js';
import type { LoadedSpec, OperationSpec } from './spec.js';

export interface ContractViolation {
  transport: 'ws' | 'rest';
  operationId?: string;
  /** The answer as it would have been sent (cut to 500 characters). */
  sent: string;
  problems: FieldError[];
}

/** Whether the server checks its answers when not told either way. */
export const validateResponsesByDefault = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.PLAYGROUND_VALIDATE_RESPONSES === '1' || (env.NODE_ENV === 'test' && env.PLAYGROUND_VALIDATE_RESPONSES !== '0');

interface CatalogueEntry {
  const: string;
  'x-status'?: number;
}

export class FrameContract {
  readonly violations: ContractViolation[] = [];
  /** reason → the status the catalogue gives it (undefined: a browser-only reason). */
  private readonly statusOf: Map<string, number | undefined>;

  constructor(
    private readonly spec: LoadedSpec,
    private readonly log: Logger,
  ) {
    const catalogue = (spec.document.components.schemas.ErrorReason as { oneOf: CatalogueEntry[] }).oneOf;
    this.statusOf = new Map(catalogue.map((e) => [e.const, e['x-status']]));
  }

  /** One WebSocket frame; returns the text to send (the frame, or an InternalError frame in its place). */
  wsFrame(op: OperationSpec | undefined, frame: object): string {
    const text = JSON.stringify(frame);
    const wire = JSON.parse(text) as Record<string, unknown>;
    const problems = [...this.spec.validateComponent('WsFrame', wire), ...this.payload(op, wire)];
    if (!problems.length) return text;
    return JSON.stringify({ id: wire.id ?? null, error: this.violation('ws', op, text, problems).toBody() });
  }

  /** One NDJSON line of a streaming REST answer (without its newline). */
  ndjsonLine(op: OperationSpec, frame: object): string {
    const text = JSON.stringify(frame);
    const wire = JSON.parse(text) as Record<string, unknown>;
    const problems = [...this.spec.validateComponent('StreamFrame', wire), ...this.payload(op, wire)];
    if (!problems.length) return text;
    return JSON.stringify({ error: this.violation('rest', op, text, problems).toBody() });
  }

  /** A whole REST answer (JSON text, or a RawResult's text); returns undefined when it holds, else the error to send instead. */
  restAnswer(op: OperationSpec | undefined, status: number, text: string, json: boolean): ApiError | undefined {
    let body: unknown = text;
    if (json) {
      try {
        body = JSON.parse(text);
      } catch {
        return this.violation('rest', op, text, [{ field: 'body', message: 'is not JSON' }]);
      }
    }
    const problems: FieldError[] = [];
    if (status >= 400) {
      problems.push(...this.spec.validateComponent('Error', body));
      if ((body as { code?: unknown })?.code !== status) problems.push({ field: 'code', message: `is not the HTTP status ${status}` });
      problems.push(...this.errorProblems(body));
    } else if (op) problems.push(...op.validateResult(body).map(under('result')));
    return problems.length ? this.violation('rest', op, text, problems) : undefined;
  }

  /** The payload of a frame against its operation, and an error's reason against its status. */
  private payload(op: OperationSpec | undefined, wire: Record<string, unknown>): FieldError[] {
    if ('error' in wire) return this.errorProblems(wire.error);
    if (!op) return [{ field: 'id', message: 'names no operation, so only an error may answer it' }];
    if ('event' in wire) {
      if (!op.stream && !op.streamEvents) return [{ field: 'event', message: `${op.operationId} sends no events` }];
      return op.validateEvent(wire.event).map(under('event'));
    }
    if ('result' in wire) return op.validateResult(wire.result).map(under('result'));
    return [];
  }

  private errorProblems(error: unknown): FieldError[] {
    const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
    if (typeof reason !== 'string' || !this.statusOf.has(reason)) return [];
    const status = this.statusOf.get(reason);
    if (status === undefined) return [{ field: 'error.reason', message: `${reason} is made by the browser client; the server never sends it` }];
    return status === code ? [] : [{ field: 'error.code', message: `is ${String(code)}, but the catalogue gives ${reason} the status ${status}` }];
  }

  private violation(transport: ContractViolation['transport'], op: OperationSpec | undefined, sent: string, problems: FieldError[]): ApiError {
    this.violations.push({ transport, operationId: op?.operationId, sent: sent.slice(0, 500), problems });
    this.log.error({ transport, op: op?.operationId, problems, sent: sent.slice(0, 500) }, 'response contract violation: the answer does not match openapi/playground.yaml');
    const list = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return new ApiError(500, 'InternalError', `the server's answer${op ? ` to ${op.operationId}` : ''} does not match openapi/playground.yaml: ${list}`.slice(0, 1000), { contractViolation: problems });
  }
}

const under = (prefix: string) => (e: FieldError): FieldError => ({ field: e.field === 'params' ? prefix : `${prefix}.${e.field}`, message: e.message });
