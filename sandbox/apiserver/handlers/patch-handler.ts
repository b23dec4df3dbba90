// PATCH: JSON patch, merge patch, strategic merge patch (built-in kinds only, as on a real server) and
// server-side apply. The patched object then goes through the same pipeline as an update.
import type { KubeObject } from '../store.js';
import { badRequest, StatusError } from '../errors.js';
import { sendJson, warningHeader, type BodyFormat } from '../http-io.js';
import { isPlainObject, schemaOf, type JSONSchema } from '../schema/structural.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { applyStrategicMergePatch } from '../patch/strategic-merge.js';
import { serverSideApply } from '../patch/server-side-apply.js';
import { recordUpdate } from '../patch/managed-fields.js';
import { decodeObject, handleUnknownFields, parseFieldValidation, prepareWrite } from '../validation/write-pipeline.js';
import { apiVersionOf } from '../resources.js';
import { acceptedApiVersions, checkNameAndNamespace, fieldManager, isDryRun, present, readDecodedBody, type RequestContext } from './request-context.js';

const PATCH_FORMATS: BodyFormat[] = ['json-patch', 'merge-patch', 'strategic-merge-patch', 'apply-patch'];

function unsupportedPatch(strategic: boolean): StatusError {
  const accepted = ['application/json-patch+json', 'application/merge-patch+json', ...(strategic ? ['application/strategic-merge-patch+json'] : []), 'application/apply-patch+yaml'];
  return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

/** Applies a non-apply patch of the given format to a document. */
export function applyPatchOfFormat(format: BodyFormat, doc: Record<string, unknown>, patch: unknown, schema: JSONSchema | undefined): unknown {
  switch (format) {
    case 'json-patch': return applyJsonPatch(doc, patch);
    case 'merge-patch':
      if (!isPlainObject(patch)) throw badRequest('merge patch must be a JSON object');
      return applyMergePatch(doc, patch);
    case 'strategic-merge-patch': return applyStrategicMergePatch(doc, patch, schema);
    default: throw unsupportedPatch(true);
  }
}

export async function handlePatch(ctx: RequestContext): Promise<void> {
  const { type, target } = ctx;
  const strategicAllowed = !type.schema;
  const { format, value: patch } = await readDecodedBody(ctx).catch((err) => {
    if (err instanceof StatusError && err.code === 415) throw unsupportedPatch(strategicAllowed);
    throw err;
  });
  if (!PATCH_FORMATS.includes(format) || (format === 'strategic-merge-patch' && !strategicAllowed)) throw unsupportedPatch(strategicAllowed);
  const subresource = target.subresource === 'status' ? 'status' : undefined;
  const fieldValidation = parseFieldValidation(ctx.query.get('fieldValidation'));
  const schema = schemaOf(type);
  const apiVersion = apiVersionOf(type);
  const dryRun = isDryRun(ctx.query);
  const live = ctx.api.tryGet(type, target.namespace, target.name!);
  if (live) present(ctx, live);

  if (format === 'apply-patch') {
    const manager = ctx.query.get('fieldManager');
    if (!manager) throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', { causes: [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }] });
    const force = ctx.query.get('force') === 'true';
    if (!isPlainObject(patch)) throw badRequest('an apply patch must be an object');
    if (patch.apiVersion === undefined || patch.kind === undefined) throw badRequest('apiVersion and kind must be set in an applied configuration');
    const config = decodeObject(type, patch, acceptedApiVersions(ctx));
    checkNameAndNamespace(ctx, config, true);
    const applyWarnings = handleUnknownFields(type, config, fieldValidation);
    if (!live && subresource) ctx.api.get(type, target.namespace, target.name!); // 404: /status cannot create
    const merged = serverSideApply(live, config, { manager, force, apiVersion, schema, subresource });
    const operation = live ? 'UPDATE' : 'CREATE';
    const { object, warnings } = prepareWrite(type, merged, { operation, old: live, subresource, fieldValidation: 'Ignore', acceptedApiVersions: acceptedApiVersions(ctx) });
    const userInfo = { username: ctx.identity.user };
    const stored = live ? ctx.api.update(type, object, { dryRun, subresource, userInfo, warnings }) : ctx.api.create(type, object, { dryRun, userInfo, warnings });
    const all = [...applyWarnings, ...warnings];
    sendJson(ctx.res, live ? 200 : 201, present(ctx, stored), all.length ? { Warning: warningHeader(all) } : {});
    return;
  }

  if (!live) ctx.api.get(type, target.namespace, target.name!); // 404 as the apiserver words it
  const patched = applyPatchOfFormat(format, live as KubeObject, patch, schema);
  const obj = decodeObject(type, patched, acceptedApiVersions(ctx));
  checkNameAndNamespace(ctx, obj, true);
  const { object, warnings } = prepareWrite(type, obj, { operation: 'UPDATE', old: live, subresource, fieldValidation, acceptedApiVersions: acceptedApiVersions(ctx) });
  recordUpdate(live, object, { manager: fieldManager(ctx), apiVersion, schema, subresource });
  const stored = ctx.api.update(type, object, { dryRun, subresource, userInfo: { username: ctx.identity.user }, warnings });
  sendJson(ctx.res, 200, present(ctx, stored), warnings.length ? { Warning: warningHeader(warnings) } : {});
}
