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
import type { DeleteOptions } from '../deletion.js';
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
  const created = ctx.api.create(ctx.type, object, { dryRun, userInfo: { username: ctx.identity.user }, warnings });
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
  const updated = ctx.api.update(ctx.type, object, { dryRun: isDryRun(ctx.query), subresource, userInfo: { username: ctx.identity.user }, warnings });
  respond(ctx, 200, updated, warnings);
}

/**
 * DeleteOptions from the query and the body (kubectl sends a body: `{"kind":"DeleteOptions","dryRun":["All"],
 * "propagationPolicy":"Orphan","gracePeriodSeconds":0}`), validated as upstream's ValidateDeleteOptions.
 */
async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readBody(ctx.req);
  let options: Record<string, unknown> = {};
  if (body.length && body.toString('utf8').trim()) {
    const decoded = decodeBody(body, ctx.req.headers['content-type'] ? bodyFormat(ctx.req) : 'json');
    if (!isPlainObject(decoded)) throw badRequest('DeleteOptions: expected an object');
    options = decoded;
  }
  const q = ctx.query;
  const opts: DeleteOptions = {};
  const policy = q.get('propagationPolicy') ?? options.propagationPolicy;
  if (policy !== undefined && policy !== null && !['Orphan', 'Background', 'Foreground'].includes(String(policy)))
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"`);
  const orphanRaw = q.get('orphanDependents') ?? options.orphanDependents;
  const orphan = orphanRaw === undefined || orphanRaw === null ? undefined : orphanRaw === true || orphanRaw === 'true';
  if (orphan !== undefined && policy !== undefined && policy !== null)
    throw invalid('DeleteOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: ${JSON.stringify(policy)}: orphanDependents and deletionPropagation cannot be both set` }]);
  if (policy) opts.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  // The deprecated orphanDependents: true is Orphan; false is the default propagation.
  else if (orphan) opts.propagationPolicy = 'Orphan';
  const graceRaw = q.get('gracePeriodSeconds') ?? options.gracePeriodSeconds;
  if (graceRaw !== undefined && graceRaw !== null) {
    const grace = Number(graceRaw);
    if (!Number.isInteger(grace)) throw badRequest(`gracePeriodSeconds: invalid value ${JSON.stringify(graceRaw)}: expected an integer`);
    // "Negative values will be treated as the value `1s` on the delete path" (registry/rest/delete.go).
    opts.gracePeriodSeconds = grace < 0 ? 1 : grace;
  }
  const dryRun = [...q.getAll('dryRun'), ...(Array.isArray(options.dryRun) ? options.dryRun : options.dryRun === undefined || options.dryRun === null ? [] : [options.dryRun])];
  for (const v of dryRun) if (v !== 'All') throw badRequest(`Invalid dryRun value: ${String(v)}. Valid values are: All`);
  opts.dryRun = dryRun.length > 0;
  const pre = isPlainObject(options.preconditions) ? options.preconditions : {};
  if (typeof pre.uid === 'string' && pre.uid) opts.uid = pre.uid;
  if (typeof pre.resourceVersion === 'string' && pre.resourceVersion) opts.resourceVersion = pre.resourceVersion;
  return opts;
}

export async function handleDelete(ctx: RequestContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  const { type, target } = ctx;
  const result = ctx.api.delete(type, target.namespace, target.name!, { ...opts, userInfo: { username: ctx.identity.user } });
  // Deletion still pending (finalizers, a graceful pod deletion) or a Namespace (it goes Terminating): the
  // object; otherwise a Status. A dry run answers what the deletion would have done.
  const stillThere = opts.dryRun ? (result.metadata.deletionTimestamp ? result : undefined) : ctx.api.tryGet(type, target.namespace, target.name!);
  if (stillThere || (type.group === '' && type.kind === 'Namespace')) {
    sendJson(ctx.res, 200, present(ctx, stillThere ?? result));
    return;
  }
  sendJson(ctx.res, 200, successStatus({ name: target.name, group: type.group, kind: type.plural, uid: result.metadata.uid }));
}

export async function handleDeleteCollection(ctx: RequestContext): Promise<void> {
  const opts = await deleteOptions(ctx);
  const filter = objectFilter(ctx.type, ctx.query.get('labelSelector'), ctx.query.get('fieldSelector'));
  const { items } = ctx.api.list(ctx.type, ctx.target.namespace);
  const deleted: KubeObject[] = [];
  for (const obj of filter ? items.filter(filter) : items) {
    const { uid: _u, resourceVersion: _r, ...each } = opts;
    deleted.push(present(ctx, ctx.api.delete(ctx.type, obj.metadata.namespace, obj.metadata.name!, { ...each, userInfo: { username: ctx.identity.user } })));
  }
  sendJson(ctx.res, 200, { kind: `${ctx.type.kind}List`, apiVersion: apiVersionOf(ctx.type), metadata: { resourceVersion: ctx.api.store.resourceVersion }, items: deleted });
}
