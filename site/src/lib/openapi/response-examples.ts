// An example body for every response of an operation, shown inline as Stripe and Scalar do. The spec's own
// example comes first; without one, an error status gets the Error the catalogue defines for that status (the
// first `ErrorReason` whose `x-status` matches, its description as the message), and any other body is built
// from the schema — and the page says which of the three it is.
import { deref, sampleOf, specById, type JsonSchema, type OperationModel, type ResponseModel } from './spec-model.ts';

export type ExampleSource = 'spec' | 'catalogue' | 'schema';
export interface ResponseExample {
  status: string;
  /** The anchor of the response on its page (`response-404`). */
  anchor: string;
  source: ExampleSource;
  contentType: string;
  /** The body as the page prints it: JSON pretty-printed, text as is; stream responses one event per line. */
  text: string;
}

interface CatalogueEntry { const: string; description?: string; 'x-status'?: number }

const isErrorSchema = (schema: JsonSchema | undefined) => typeof schema?.$ref === 'string' && schema.$ref.endsWith('/schemas/Error');

/** Every catalogue reason answered with an HTTP status. */
export function reasonsForStatus(op: OperationModel, status: number): string[] {
  const reasons = specById(op.spec).doc.components?.schemas?.ErrorReason as { oneOf?: CatalogueEntry[] } | undefined;
  return (reasons?.oneOf ?? []).filter((r) => r['x-status'] === status).map((r) => r.const);
}

/** The catalogue's first reason for an HTTP status, as an Error body. */
export function catalogueError(op: OperationModel, status: number, said = ''): { code: number; reason: string; message: string } | undefined {
  const reasons = specById(op.spec).doc.components?.schemas?.ErrorReason as { oneOf?: CatalogueEntry[] } | undefined;
  const forStatus = (reasons?.oneOf ?? []).filter((r) => r['x-status'] === status);
  // A reason the operation's own text names (`BenchmarkRunning`) beats the status's generic first one.
  const entry = forStatus.find((r) => new RegExp(`\\b${r.const}\\b`).test(said)) ?? forStatus[0];
  if (!entry) return undefined;
  const firstSentence = (entry.description ?? entry.const).replace(/`/g, '').split(/(?<=\.)\s/)[0].replace(/\.$/, '');
  return { code: status, reason: entry.const, message: firstSentence.charAt(0).toLowerCase() + firstSentence.slice(1) };
}

function exampleOf(op: OperationModel, r: ResponseModel): { source: ExampleSource; value: unknown } | undefined {
  if (r.example !== undefined) return { source: 'spec', value: r.example };
  const status = Number(r.status);
  if (isErrorSchema(r.schema) && Number.isInteger(status)) {
    const e = catalogueError(op, status, `${op.description ?? ''} ${r.description}`);
    if (e) return { source: 'catalogue', value: e };
  }
  const schema = r.resultSchema ?? r.schema;
  if (!schema) return undefined;
  return { source: 'schema', value: sampleOf(specById(op.spec).doc, schema) };
}

function render(op: OperationModel, r: ResponseModel, value: unknown): string {
  const doc = specById(op.spec).doc;
  if (typeof value === 'string' && !(r.contentType ?? '').includes('json')) return value;
  if (op.stream && r.status.startsWith('2') && (r.contentType ?? '').includes('ndjson')) {
    const events = r.eventSchema ? [{ event: sampleOf(doc, r.eventSchema) }] : [];
    return [...events, { result: value }].map((line) => JSON.stringify(line)).join('\n');
  }
  return JSON.stringify(value, null, 2);
}

/** Every response of the operation that has a body, with the example shown for it. */
export function responseExamples(op: OperationModel): ResponseExample[] {
  const out: ResponseExample[] = [];
  for (const r of op.responses) {
    if (!r.contentType && !r.schema) continue;
    const ex = exampleOf(op, r);
    if (!ex) continue;
    out.push({ status: r.status, anchor: responseAnchor(r.status), source: ex.source, contentType: r.contentType ?? 'application/json', text: render(op, r, ex.value) });
  }
  return out;
}

export const responseAnchor = (status: string) => `response-${status}`;

/** Whether a schema (after one $ref) describes an object with fields a reader would expand. */
export function hasFields(op: OperationModel, schema: JsonSchema | undefined): boolean {
  const s = deref(specById(op.spec).doc, schema);
  return !!s && (typeof s.properties === 'object' || Array.isArray(s.oneOf) || Array.isArray(s.allOf) || Array.isArray(s.anyOf));
}
