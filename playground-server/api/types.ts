// The server's view of the API types: the shared helpers beside the generated OpenAPI types (openapi/types.ts).
export type { OpEvent, OpParams, OpResult, Schemas, StreamSchemas } from '../../openapi/types.js';
