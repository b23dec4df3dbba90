// The scale subresource (autoscaling/v1 Scale) of Deployments and ReplicaSets: `kubectl scale` reads it and
// patches spec.replicas through it.
import type { KubeObject } from '../store.js';
import { badRequest, conflict, invalid } from '../errors.js';
import { sendJson } from '../http-io.js';
import { isPlainObject, schemaOf } from '../schema/structural.js';
import { recordUpdate } from '../patch/managed-fields.js';
import { BUILTIN_SCHEMAS } from '../schema/builtin-schemas.js';
import { applyPatchOfFormat } from './patch-handler.js';
import { apiVersionOf } from '../resources.js';
import { fieldManager, isDryRun, readDecodedBody, type RequestContext } from './request-context.js';

const SCALE_SCHEMA = BUILTIN_SCHEMAS['autoscaling/Scale'];

function selectorOf(obj: KubeObject): string {
  const sel = isPlainObject(obj.spec) && isPlainObject(obj.spec.selector) ? obj.spec.selector : {};
  const labels = isPlainObject(sel.matchLabels) ? sel.matchLabels : {};
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

function toScale(obj: KubeObject): KubeObject {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const status = isPlainObject(obj.status) ? obj.status : {};
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: selectorOf(obj) },
  };
}

export function handleGetScale(ctx: RequestContext): void {
  sendJson(ctx.res, 200, toScale(ctx.api.get(ctx.type, ctx.target.namespace, ctx.target.name!)));
}

/** PUT (a Scale body) or PATCH (a patch of the Scale) → the owner's spec.replicas. */
export async function handleWriteScale(ctx: RequestContext, method: 'PUT' | 'PATCH'): Promise<void> {
  const { type, target } = ctx;
  const live = ctx.api.get(type, target.namespace, target.name!);
  const { format, value } = await readDecodedBody(ctx);
  const scale = method === 'PUT' ? value : applyPatchOfFormat(format, toScale(live), value, SCALE_SCHEMA);
  if (!isPlainObject(scale) || !isPlainObject(scale.spec)) throw badRequest('a Scale with spec.replicas is required');
  const replicas = scale.spec.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw invalid('Scale', 'autoscaling', target.name!, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  const meta = isPlainObject(scale.metadata) ? scale.metadata : {};
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion && meta.resourceVersion !== live.metadata.resourceVersion)
    throw conflict(type.plural, type.group, target.name!, 'the object has been modified; please apply your changes to the latest version and try again');
  const next = structuredClone(live);
  next.spec = { ...(isPlainObject(next.spec) ? next.spec : {}), replicas };
  recordUpdate(live, next, { manager: fieldManager(ctx), apiVersion: apiVersionOf(type), schema: schemaOf(type), subresource: 'scale' });
  const stored = ctx.api.update(type, next, { dryRun: isDryRun(ctx.query), userInfo: { username: ctx.identity.user } });
  sendJson(ctx.res, 200, toScale(stored));
}
