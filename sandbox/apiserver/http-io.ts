// Reading request bodies and writing responses: JSON or YAML in, JSON out, Status objects for errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseAllDocuments, type Document } from 'yaml';
import { badRequest, StatusError, unsupportedMediaType, type Status } from './errors.js';
import { assertNestingDepth, MAX_NESTING_DEPTH, yamlDocumentToJS } from './body-limits.js';
import { decodeKubernetesProtobuf } from './protobuf/k8s-protobuf.js';

/** The API server's request size limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type BodyFormat = 'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

const MEDIA_TYPES: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/x-yaml': 'yaml',
  'text/yaml': 'yaml',
  'application/vnd.kubernetes.protobuf': 'protobuf',
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
  'application/apply-patch+yaml': 'apply-patch',
  'application/apply-patch+json': 'apply-patch',
};

export function bodyFormat(req: IncomingMessage): BodyFormat {
  const raw = req.headers['content-type'] ?? '';
  const mediaType = raw.split(';')[0].trim().toLowerCase();
  const format = MEDIA_TYPES[mediaType];
  if (!format) throw unsupportedMediaType(raw);
  return format;
}

const tooLarge = () => new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${MAX_BODY_BYTES}`);
/** Bytes of an oversized body read (and dropped) so the client can read the 413, before the connection is cut. */
const MAX_DISCARDED_BYTES = 4 * MAX_BODY_BYTES;

/**
 * Reads the body, refusing more than MAX_BODY_BYTES with 413 (upstream's message). A declared length over the
 * limit is refused before reading; an undeclared one once it passes the limit. The rest of an oversized body is
 * read and dropped, never buffered (up to MAX_DISCARDED_BYTES, then the connection is closed), so the client
 * gets the 413 instead of a reset.
 */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = () => {
      refused = true;
      chunks.length = 0;
      reject(tooLarge());
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) refuse();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > MAX_DISCARDED_BYTES) req.socket.destroy();
        return;
      }
      if (size > MAX_BODY_BYTES) return refuse();
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!refused) reject(err);
    });
  });
}

/**
 * Parses a body as JSON, YAML or Kubernetes protobuf, by its media type. Malformed input, nesting deeper than
 * MAX_NESTING_DEPTH and YAML alias bombs are 400 BadRequest (body-limits.ts).
 */
export function decodeBody(body: Buffer, format: BodyFormat): unknown {
  if (format === 'protobuf') {
    const value = decodeKubernetesProtobuf(body);
    assertNestingDepth(value);
    return value;
  }
  const text = body.toString('utf8');
  if (!text.trim()) throw badRequest('the request body may not be empty');
  if (format === 'yaml' || (format === 'apply-patch' && !/^\s*[{[]/.test(text))) return decodeYamlBody(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // YAML is a superset of JSON; apply-patch bodies may be either.
    if (format === 'apply-patch') {
      try { return decodeYamlBody(text); } catch { /* report the JSON error below */ }
    }
    throw badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  assertNestingDepth(value);
  return value;
}

function decodeYamlBody(text: string): unknown {
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text) as Document.Parsed[];
  } catch (err) {
    if (err instanceof RangeError) throw badRequest(`the request body is nested too deeply: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    throw badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!Array.isArray(docs)) throw badRequest('error decoding YAML: expected exactly one document, found 0');
  if (docs.length !== 1) throw badRequest(`error decoding YAML: expected exactly one document, found ${docs.length}`);
  return yamlDocumentToJS(docs[0]);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendStatus(res: ServerResponse, err: StatusError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus());
}

export function successStatus(details: Status['details']): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

/** A Warning header value: `299 - "message"` with the message quoted as RFC 7234 asks. */
export function warningHeader(messages: string[]): string[] {
  return messages.map((m) => `299 - ${JSON.stringify(m)}`);
}
