// What every resource handler gets: the parsed request, the caller and the kind, plus the small rules
// shared by handlers (dry run, field manager, presenting objects in the requested apiVersion).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterApi } from '../api.js';
import type { Identity } from '../auth.js';
import type { LogSource } from '../logs.js';
import type { ResourceType } from '../resources.js';
import { apiVersionOf } from '../resources.js';
import type { KubeObject } from '../store.js';
import type { ResourceTarget } from '../routing.js';
import { badRequest } from '../errors.js';
import { bodyFormat, decodeBody, readBody, type BodyFormat } from '../http-io.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  identity: Identity;
  api: ClusterApi;
  target: ResourceTarget;
  type: ResourceType;
  logs?: LogSource;
  /** Registers a long-running response so server shutdown can end it. */
  track(stop: () => void): () => void;
}

/** Objects are stored once per kind; a kind served in several versions (HTTPRoute v1/v1beta1) shares it. */
export function present(ctx: RequestContext, obj: KubeObject): KubeObject {
  obj.apiVersion = apiVersionOf(ctx.type);
  return obj;
}

/** All apiVersions of the URL's kind that a body may carry. */
export function acceptedApiVersions(ctx: RequestContext): string[] {
  const own = apiVersionOf(ctx.type);
  const others = ctx.api.registry.types
    .filter((t) => t.group === ctx.type.group && t.kind === ctx.type.kind && t.version !== ctx.type.version)
    .map((t) => apiVersionOf(t));
  return [own, ...others];
}

export function isDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All') throw badRequest(`Invalid dryRun value: ${v}. Valid values are: All`);
  return values.length > 0;
}

/** The manager of a write: ?fieldManager=, else the client's User-Agent program name (as the apiserver does). */
export function fieldManager(ctx: RequestContext): string {
  const explicit = ctx.query.get('fieldManager');
  if (explicit !== null) {
    if (explicit.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return explicit;
  }
  const ua = ctx.req.headers['user-agent'] ?? 'unknown';
  return ua.split('/')[0].slice(0, 128) || 'unknown';
}

export async function readDecodedBody(ctx: RequestContext): Promise<{ format: BodyFormat; value: unknown }> {
  const format = bodyFormat(ctx.req);
  const body = await readBody(ctx.req);
  return { format, value: decodeBody(body, format) };
}

/** The namespace an object is written to: the URL's; a different one in the body is an error. */
export function checkNameAndNamespace(ctx: RequestContext, obj: KubeObject, requireName: boolean): void {
  const { target, type } = ctx;
  if (type.namespaced) {
    if (target.namespace === undefined) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (obj.metadata.namespace && obj.metadata.namespace !== target.namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    obj.metadata.namespace = target.namespace;
  } else {
    delete obj.metadata.namespace;
  }
  if (requireName || target.name) {
    if (!obj.metadata.name && target.name) obj.metadata.name = target.name;
    if (target.name && obj.metadata.name !== target.name)
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${target.name})`);
  }
}
