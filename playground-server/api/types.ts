// Operation parameter and result types, derived from the generated OpenAPI types (openapi/generated),
// never declared by hand: params = path + query + JSON body fields; result = the 2xx response body
// (for streaming operations, the `x-result-schema` named in STREAM_SCHEMAS).
import type { components, operations } from '../../openapi/generated/playground.js';
import type { OperationId } from './spec.js';

export type Schemas = components['schemas'];

type Obj<T> = T extends object ? T : {};
type PathOf<O> = O extends { parameters: { path?: infer P } } ? Obj<P> : {};
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Obj<Q> : {};
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? Obj<B> : {};
type Success<O> = O extends { responses: infer R } ? (200 extends keyof R ? R[200] : 201 extends keyof R ? R[201] : never) : never;
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : never;

/** Stream operations: the schema of their events and final result (the spec's x-event-schema / x-result-schema). */
export interface StreamSchemas {
  tapMesh: { event: Schemas['TapEvent']; result: Schemas['TapSummary'] };
  startBenchmark: { event: Schemas['BenchmarkProgress']; result: Schemas['Benchmark'] };
  runTerminal: { event: Schemas['TerminalOutput']; result: Schemas['TerminalExit'] };
  createSession: { event: Schemas['SessionProgressEvent']; result: Schemas['SessionCreated'] };
}

export type OpParams<K extends OperationId> = PathOf<operations[K]> & QueryOf<operations[K]> & BodyOf<operations[K]>;
export type OpResult<K extends OperationId> = K extends keyof StreamSchemas ? StreamSchemas[K]['result'] : ContentOf<Success<operations[K]>>;
export type OpEvent<K extends OperationId> = K extends keyof StreamSchemas ? StreamSchemas[K]['event'] : never;
