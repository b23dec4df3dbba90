// The scale subresource (autoscaling/v1 Scale) of Deployments, ReplicaSets and custom resources whose CRD
// declares one (specReplicasPath, statusReplicasPath, labelSelectorPath): `kubectl scale` reads it and
// writes the replicas through it.
import type { KubeObject } from '../store.js';
import { badRequest, conflict, invalid } from '../errors.js';
import { sendJson } from '../http-io.js';
import { isPlainObject, schemaOf } from '../schema/structural.js';
import { recordUpdate } from '../patch/managed-fields.js';
import { BUILTIN_SCHEMAS } from '../schema/builtin-schemas.js';
import { applyPatchOfFormat } from './patch-handler.js';
import { apiVersionOf, type CrdScale } from '../resources.js';
import { fieldManager, isDryRun, readDecodedBody, type RequestContext } from './request-context.js';

const SCALE_SCHEMA = BUILTIN_SCHEMAS['autoscaling/Scale'];

function selectorOf(obj: KubeObject): string {
  const sel = isPlainObject(obj.spec) && isPlainObject(obj.spec.selector) ? obj.spec.selector : {};
  const labels = isPlainObject(sel.matchLabels) ? sel.matchLabels : {};
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
}

/** `.spec.replicas` → ['spec', 'replicas'] (CRD scale paths are simple JSON paths). */
const pathOf = (jsonPath: string) => jsonPath.replace(/^\./, '').split('.');

function valueAt(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const key of path) cur = isPlainObject(cur) ? cur[key] : undefined;
  return cur;
}

function setAt(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

function toScale(obj: KubeObject, crdScale?: CrdScale): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const meta = { name, namespace, uid, resourceVersion, creationTimestamp };
  if (crdScale) {
    // As apiextensions-apiserver's scale subresource: a missing replicas value reads as 0.
    const replicas = valueAt(obj, pathOf(crdScale.specReplicasPath));
    const current = valueAt(obj, pathOf(crdScale.statusReplicasPath));
    const selector = crdScale.labelSelectorPath ? valueAt(obj, pathOf(crdScale.labelSelectorPath)) : undefined;
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: meta,
      spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
      status: { replicas: typeof current === 'number' ? current : 0, ...(typeof selector === 'string' ? { selector } : {}) },
    };
  }
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const status = isPlainObject(obj.status) ? obj.status : {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: meta,
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: { replicas: typeof status.replicas === 'number' ? status.replicas : 0, selector: selectorOf(obj) },
  };
}

export function handleGetScale(ctx: RequestContext): void {
  sendJson(ctx.res, 200, toScale(ctx.api.get(ctx.type, ctx.target.namespace, ctx.target.name!), ctx.type.scale));
}

/** PUT (a Scale body) or PATCH (a patch of the Scale) → the owner's spec.replicas. */
export async function handleWriteScale(ctx: RequestContext, method: 'PUT' | 'PATCH'): Promise<void> {
  const { type, target } = ctx;
  const live = ctx.api.get(type, target.namespace, target.name!);
  const { format, value } = await readDecodedBody(ctx);
  const scale = method === 'PUT' ? value : applyPatchOfFormat(format, toScale(live, type.scale), value, SCALE_SCHEMA);
  if (!isPlainObject(scale) || !isPlainObject(scale.spec)) throw badRequest('a Scale with spec.replicas is required');
  const replicas = scale.spec.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)
    throw invalid('Scale', 'autoscaling', target.name!, [{ reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
  const meta = isPlainObject(scale.metadata) ? scale.metadata : {};
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion && meta.resourceVersion !== live.metadata.resourceVersion)
    throw conflict(type.plural, type.group, target.name!, 'the object has been modified; please apply your changes to the latest version and try again');
  const next = structuredClone(live);
  if (type.scale) setAt(next, pathOf(type.scale.specReplicasPath), replicas);
  else next.spec = { ...(isPlainObject(next.spec) ? next.spec : {}), replicas };
  recordUpdate(live, next, { manager: fieldManager(ctx), apiVersion: apiVersionOf(type), schema: schemaOf(type), subresource: 'scale' });
  const stored = ctx.api.update(type, next, { dryRun: isDryRun(ctx.query), userInfo: { username: ctx.identity.user } });
  sendJson(ctx.res, 200, toScale(stored, type.scale));
}
