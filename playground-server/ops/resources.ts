// Resources in the session's namespace, through the session's own token: the cluster enforces the
// namespace as well, so a bug here still cannot reach another learner's objects.
import type { Dispatcher } from '../api/dispatcher.js';
import { forbidden } from '../api/errors.js';
import { applyToNamespace, parseManifestText } from '../kube/apply.js';
import { resourcePath, type ApiResourceType } from '../kube/discovery.js';
import { sessionOf, type OpDeps } from './deps.js';

/** Most objects a list returns (a session holds tens). */
export const MAX_LIST_ITEMS = 500;

export function registerResourceOps(d: Dispatcher, deps: OpDeps): void {
  const namespacedType = async (resource: string, namespace: string): Promise<ApiResourceType> => {
    const type = await deps.cluster.discovery.byName(resource);
    if (!type.namespaced) throw forbidden('ClusterScoped', `${type.plural} are cluster-scoped; a session can only use objects in its namespace "${namespace}"`);
    return type;
  };

  d.register('applyResources', async (params, ctx) => {
    const session = sessionOf(ctx);
    const objects = parseManifestText(params.manifest);
    const applied = await applyToNamespace(session.kube, deps.cluster.discovery, session.namespace, objects, { dryRun: params.dryRun, force: params.force });
    return { applied, dryRun: params.dryRun ?? false };
  });

  d.register('listResources', async (params, ctx) => {
    const session = sessionOf(ctx);
    const type = await namespacedType(params.resource, session.namespace);
    const list = await session.kube.json<{ items: { apiVersion?: string; kind?: string; metadata: Record<string, unknown> }[] }>({
      path: resourcePath(type, session.namespace),
      query: { labelSelector: params.labelSelector, limit: MAX_LIST_ITEMS },
      signal: ctx.signal,
    });
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    return {
      resource: type.group ? `${type.plural}.${type.group}` : type.plural,
      items: list.items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? apiVersion, kind: o.kind ?? type.kind, metadata: o.metadata })),
    };
  });

  d.register('getResource', async (params, ctx) => {
    const session = sessionOf(ctx);
    const type = await namespacedType(params.resource, session.namespace);
    return session.kube.json({ path: resourcePath(type, session.namespace, params.name), signal: ctx.signal });
  });

  d.register('deleteResource', async (params, ctx) => {
    const session = sessionOf(ctx);
    const type = await namespacedType(params.resource, session.namespace);
    await session.kube.json({ method: 'DELETE', path: resourcePath(type, session.namespace, params.name), body: { propagationPolicy: 'Background' }, signal: ctx.signal });
    return { deleted: { apiVersion: type.group ? `${type.group}/${type.version}` : type.version, kind: type.kind, name: params.name, namespace: session.namespace } };
  });
}
