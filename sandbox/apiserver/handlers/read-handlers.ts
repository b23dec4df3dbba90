// get, list and watch: JSON objects and lists, or meta.k8s.io Tables when kubectl asks for them.
import type { KubeObject } from '../store.js';
import { badRequest } from '../errors.js';
import { sendJson } from '../http-io.js';
import { objectFilter } from '../field-selectors.js';
import { tableVersion, toTable, wantsTable, type IncludeObject } from '../tables/tables.js';
import { serveWatch } from '../watch.js';
import { present, type RequestContext } from './request-context.js';
import { apiVersionOf } from '../resources.js';

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject') ?? 'Metadata';
  if (v !== 'None' && v !== 'Metadata' && v !== 'Object') throw badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "Metadata", "None", "Object"`);
  return v;
}

function respondObjects(ctx: RequestContext, objects: KubeObject[], resourceVersion: string, single: boolean): void {
  const accept = ctx.req.headers.accept;
  if (wantsTable(accept)) {
    const table = toTable(ctx.type, objects, { includeObject: includeObject(ctx.query), resourceVersion, noHeaders: ctx.query.get('noHeaders') === 'true' }, tableVersion(accept));
    sendJson(ctx.res, 200, table);
    return;
  }
  if (single) {
    sendJson(ctx.res, 200, objects[0]);
    return;
  }
  sendJson(ctx.res, 200, {
    kind: `${ctx.type.kind}List`,
    apiVersion: apiVersionOf(ctx.type),
    metadata: { resourceVersion },
    items: objects,
  });
}

export function handleGet(ctx: RequestContext): void {
  const { type, target } = ctx;
  const obj = present(ctx, ctx.api.get(type, target.namespace, target.name!));
  respondObjects(ctx, [obj], obj.metadata.resourceVersion ?? '', true);
}

export function handleList(ctx: RequestContext): void {
  const filter = objectFilter(ctx.type, ctx.query.get('labelSelector'), ctx.query.get('fieldSelector'));
  const { items, resourceVersion } = ctx.api.list(ctx.type, ctx.target.namespace);
  const selected = filter ? items.filter(filter) : items;
  for (const obj of selected) present(ctx, obj);
  respondObjects(ctx, selected, resourceVersion, false);
}

function timeoutSeconds(query: URLSearchParams): number | undefined {
  const raw = query.get('timeoutSeconds');
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`timeoutSeconds: Invalid value: ${JSON.stringify(raw)}: must be a non-negative integer`);
  return n;
}

export function handleWatch(ctx: RequestContext): void {
  const { type, target, query } = ctx;
  let filter = objectFilter(type, query.get('labelSelector'), query.get('fieldSelector'));
  if (target.name) {
    const byName = (o: KubeObject) => o.metadata.name === target.name;
    const selector = filter;
    filter = selector ? (o) => byName(o) && selector(o) : byName;
  }
  const accept = ctx.req.headers.accept;
  const asTable = wantsTable(accept);
  const apiVersion = apiVersionOf(type);
  const include = asTable ? includeObject(query) : 'Object';
  const version = tableVersion(accept);
  const encode = (obj: KubeObject): unknown => {
    const shown = obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
    if (!asTable) return shown;
    return toTable(type, [shown], { includeObject: include, resourceVersion: obj.metadata.resourceVersion }, version);
  };
  const { stop, done } = serveWatch(ctx.req, ctx.res, {
    api: ctx.api,
    type,
    namespace: target.namespace,
    resourceVersion: query.get('resourceVersion') ?? undefined,
    timeoutSeconds: timeoutSeconds(query),
    allowBookmarks: query.get('allowWatchBookmarks') === 'true',
    filter,
    encode,
    bookmark: (rv) => ({ kind: type.kind, apiVersion, metadata: { resourceVersion: rv } }),
  });
  const untrack = ctx.track(stop);
  void done.then(untrack);
}
