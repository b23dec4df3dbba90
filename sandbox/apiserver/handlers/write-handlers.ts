// create (POST), update (PUT, also /status), delete and deletecollection.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../store.js';
import { badRequest, invalid, methodNotAllowed } from '../errors.js';
import { readBody, sendJson, successStatus, warningHeader, bodyFormat, decodeBody } from '../http-io.js';
import { objectFilter } from '../field-selectors.js';
import { isPlainObject, schemaOf } from '../schema/structural.js';
import { recordUpdate } from '../patch/managed-fields.js';
import { decodeObject, parseFieldValidation, prepareWrite } from '../validation/write-pipeline.js';
import { apiVersionOf } from '../resources.js';
import { acceptedApiVersions, checkNameAndNamespace, fieldManager, isDryRun, present, readDecodedBody, type RequestContext } from './request-context.js';

function respond(ctx: RequestContext, code: number, obj: KubeObject, warnings: string[]): void {
  sendJson(ctx.res, code, present(ctx, obj), warnings.length ? { Warning: warningHeader(warnings) } : {});
}

/** What a dry-run create returns: the object as it would be stored. */
function asIfCreated(obj: KubeObject): KubeObject {
  obj.metadata.uid ??= randomUUID();
  obj.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  obj.metadata.generation ??= 1;
  return obj;
}

export async function handleCreate(ctx: RequestContext): Promise<void> {
  if (ctx.target.name) throw methodNotAllowed(`the server does not allow this method on the requested resource`);
  if (ctx.type.namespaced && ctx.target.namespace === undefined) throw methodNotAllowed('the server does not allow this method on the requested resource');
  const { value } = await readDecodedBody(ctx);
  const obj = decodeObject(ctx.type, value, acceptedApiVersions(ctx));
  checkNameAndNamespace(ctx, obj, false);
  if (!obj.metadata.name && !obj.metadata.generateName)
    throw invalid(ctx.type.kind, ctx.type.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  const fieldValidation = parseFieldValidation(ctx.query.get('fieldValidation'));
  const { object, warnings } = prepareWrite(ctx.type, obj, { operation: 'CREATE', fieldValidation, acceptedApiVersions: acceptedApiVersions(ctx) });
  recordUpdate(undefined, object, { manager: fieldManager(ctx), apiVersion: apiVersionOf(ctx.type), schema: schemaOf(ctx.type) });
  const dryRun = isDryRun(ctx.query);
  const created = ctx.api.create(ctx.type, object, { dryRun, userInfo: { username: ctx.identity.user } });
  respond(ctx, 201, dryRun ? asIfCreated(created) : created, warnings);
}

export async function handleUpdate(ctx: RequestContext): Promise<void> {
  const subresource = ctx.target.subresource === 'status' ? 'status' : undefined;
  const { value } = await readDecodedBody(ctx);
  const obj = decodeObject(ctx.type, value, acceptedApiVersions(ctx));
  checkNameAndNamespace(ctx, obj, true);
  const old = ctx.api.get(ctx.type, ctx.target.namespace, ctx.target.name!);
  const fieldValidation = parseFieldValidation(ctx.query.get('fieldValidation'));
  const { object, warnings } = prepareWrite(ctx.type, obj, { operation: 'UPDATE', old, subresource, fieldValidation, acceptedApiVersions: acceptedApiVersions(ctx) });
  recordUpdate(old, object, { manager: fieldManager(ctx), apiVersion: apiVersionOf(ctx.type), schema: schemaOf(ctx.type), subresource });
  const updated = ctx.api.update(ctx.type, object, { dryRun: isDryRun(ctx.query), subresource, userInfo: { username: ctx.identity.user } });
  respond(ctx, 200, updated, warnings);
}

interface DeleteOptions {
  uid?: string;
  resourceVersion?: string;
}

/** DeleteOptions from the body (kubectl sends one) and query; propagationPolicy is accepted as given. */
async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readBody(ctx.req);
  const opts: DeleteOptions = {};
  const policy = ctx.query.get('propagationPolicy');
  const check = (p: unknown) => {
    if (p !== undefined && p !== null && !['Orphan', 'Background', 'Foreground'].includes(String(p)))
      throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan"`);
  };
  check(policy ?? undefined);
  if (body.length && body.toString('utf8').trim()) {
    const options = decodeBody(body, ctx.req.headers['content-type'] ? bodyFormat(ctx.req) : 'json');
    if (!isPlainObject(options)) throw badRequest('DeleteOptions: expected an object');
    check(options.propagationPolicy);
    const pre = isPlainObject(options.preconditions) ? options.preconditions : {};
    if (typeof pre.uid === 'string' && pre.uid) opts.uid = pre.uid;
    if (typeof pre.resourceVersion === 'string' && pre.resourceVersion) opts.resourceVersion = pre.resourceVersion;
  }
  return opts;
}

export async function handleDelete(ctx: RequestContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  const { type, target } = ctx;
  const result = ctx.api.delete(type, target.namespace, target.name!, { ...opts, dryRun: isDryRun(ctx.query) });
  // Deletion still pending (finalizers) or a Namespace (it goes Terminating): the object; otherwise a Status.
  const stillThere = ctx.api.tryGet(type, target.namespace, target.name!);
  if (stillThere || (type.group === '' && type.kind === 'Namespace')) {
    sendJson(ctx.res, 200, present(ctx, stillThere ?? result));
    return;
  }
  sendJson(ctx.res, 200, successStatus({ name: target.name, group: type.group, kind: type.plural, uid: result.metadata.uid }));
}

export async function handleDeleteCollection(ctx: RequestContext): Promise<void> {
  await deleteOptions(ctx);
  const filter = objectFilter(ctx.type, ctx.query.get('labelSelector'), ctx.query.get('fieldSelector'));
  const dryRun = isDryRun(ctx.query);
  const { items } = ctx.api.list(ctx.type, ctx.target.namespace);
  const deleted: KubeObject[] = [];
  for (const obj of filter ? items.filter(filter) : items) {
    deleted.push(present(ctx, ctx.api.delete(ctx.type, obj.metadata.namespace, obj.metadata.name!, { dryRun })));
  }
  sendJson(ctx.res, 200, { kind: `${ctx.type.kind}List`, apiVersion: apiVersionOf(ctx.type), metadata: { resourceVersion: ctx.api.store.resourceVersion }, items: deleted });
}
