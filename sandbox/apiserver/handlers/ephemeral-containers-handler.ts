// pods/<name>/ephemeralcontainers (what `kubectl debug <pod>` writes): GET answers the Pod; PUT and PATCH
// (JSON, merge, strategic merge) change spec.ephemeralContainers and nothing else. Upstream:
// pkg/registry/core/pod/storage EphemeralContainersREST with podEphemeralContainersStrategy
// (dropNonEphemeralContainerUpdates keeps the stored pod and takes only the new ephemeral containers).
import type { KubeObject } from '../store.js';
import { conflict, invalid, methodNotAllowed, StatusError } from '../errors.js';
import { sendJson } from '../http-io.js';
import { isPlainObject, schemaOf } from '../schema/structural.js';
import { decodeObject } from '../validation/write-pipeline.js';
import { validateMetadata } from '../validation/builtin-rules.js';
import { defaultEphemeralContainers, validateEphemeralContainers, validateEphemeralContainersUpdate } from '../validation/ephemeral-containers.js';
import { applyPatchOfFormat } from './patch-handler.js';
import { acceptedApiVersions, checkNameAndNamespace, isDryRun, present, readDecodedBody, type RequestContext } from './request-context.js';

const PATCH_MEDIA_TYPES = 'application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json';

export async function handleEphemeralContainers(ctx: RequestContext, method: string): Promise<void> {
  const { type, target } = ctx;
  if (method === 'GET') return sendJson(ctx.res, 200, present(ctx, ctx.api.get(type, target.namespace, target.name!)));
  if (method !== 'PUT' && method !== 'PATCH') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const { format, value } = await readDecodedBody(ctx);
  const live = ctx.api.get(type, target.namespace, target.name!); // 404 as the apiserver words it
  let body: unknown;
  if (method === 'PATCH') {
    if (format !== 'json-patch' && format !== 'merge-patch' && format !== 'strategic-merge-patch')
      throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_MEDIA_TYPES}`);
    body = applyPatchOfFormat(format, structuredClone(live), value, schemaOf(type));
  } else body = value;
  const sent = decodeObject(type, body, acceptedApiVersions(ctx));
  checkNameAndNamespace(ctx, sent, true);
  const rv = sent.metadata.resourceVersion;
  if (method === 'PUT' && rv && rv !== live.metadata.resourceVersion)
    throw conflict(type.plural, type.group, target.name!, 'the object has been modified; please apply your changes to the latest version and try again');

  // Only spec.ephemeralContainers is taken from what was sent.
  const next: KubeObject = structuredClone(live);
  const spec = isPlainObject(next.spec) ? next.spec : (next.spec = {});
  const sentSpec = isPlainObject(sent.spec) ? sent.spec : {};
  if (Array.isArray(sentSpec.ephemeralContainers)) spec.ephemeralContainers = structuredClone(sentSpec.ephemeralContainers);
  else delete spec.ephemeralContainers;
  defaultEphemeralContainers(spec);
  const causes = [...validateMetadata(next), ...validateEphemeralContainers(spec), ...validateEphemeralContainersUpdate(next, live)];
  if (causes.length) throw invalid(type.kind, type.group, target.name!, causes);
  if (isDeepStrictEqualJson(next, live)) return sendJson(ctx.res, 200, present(ctx, live));
  const stored = ctx.api.update(type, next, { dryRun: isDryRun(ctx.query), userInfo: { username: ctx.identity.user } });
  sendJson(ctx.res, 200, present(ctx, stored));
}

const isDeepStrictEqualJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
