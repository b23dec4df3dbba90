// The playground API's types, derived from the generated OpenAPI types only (./generated, never edited by hand):
// params are path + query + JSON body fields together (the WebSocket message's `params`, the REST route's
// inputs); results are the 2xx body, or for streaming operations the spec's x-result-schema. The server and
// the site both import these, so an operation's shape is written once, in playground.yaml.
import type { components, operations } from './generated/playground.js';

export type Schemas = components['schemas'];
export type OperationId = keyof operations;
export type ApiError = Schemas['Error'];

type Obj<T> = T extends object ? T : {};
type PathOf<O> = O extends { parameters: { path?: infer P } } ? Obj<P> : {};
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Obj<Q> : {};
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? Obj<B> : {};
type Success<O> = O extends { responses: infer R } ? (200 extends keyof R ? R[200] : 201 extends keyof R ? R[201] : never) : never;
type ContentOf<R> = R extends { content: infer C } ? C[keyof C] : never;

/** Streaming operations: their events and final result (the spec's x-event-schema / x-result-schema). */
export interface StreamSchemas {
  tapMesh: { event: Schemas['TapEvent']; result: Schemas['TapSummary'] };
  startBenchmark: { event: Schemas['BenchmarkProgress']; result: Schemas['Benchmark'] };
  runConformance: { event: Schemas['ConformanceProgress']; result: Schemas['ConformanceRun'] };
  runTerminal: { event: Schemas['TerminalOutput']; result: Schemas['TerminalExit'] };
  createSession: { event: Schemas['SessionProgress']; result: Schemas['SessionCreated'] };
}

export type OpParams<K extends OperationId> = PathOf<operations[K]> & QueryOf<operations[K]> & BodyOf<operations[K]>;
export type OpResult<K extends OperationId> = K extends keyof StreamSchemas ? StreamSchemas[K]['result'] : ContentOf<Success<operations[K]>>;
export type OpEvent<K extends OperationId> = K extends keyof StreamSchemas ? StreamSchemas[K]['event'] : never;
