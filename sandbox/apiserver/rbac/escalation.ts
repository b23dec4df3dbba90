// Privilege-escalation prevention, as the rbac registry enforces it on API writes: a Role/ClusterRole may be
// written only by someone who already holds every permission it grants (or may `escalate` roles), and a
// binding only by someone who holds the referenced role's permissions (or may `bind` it). system:masters is
// exempt. In-process writers (controllers, bootstrap) never pass through here.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../api.js';
import type { ResourceType } from '../resources.js';
import type { KubeObject } from '../store.js';
import { SYSTEM_MASTERS, type Identity } from '../auth.js';
import { forbidden, qualifiedResource, StatusError } from '../errors.js';
import { RBAC_GROUP, type RbacAuthorizer, type RoleRef } from './authorizer.js';
import { compactRules, compactString, covers, goQuotedList, rulesOf, type PolicyRule } from './policy-rules.js';

const ROLE_KINDS = new Set(['roles', 'clusterroles']);
const BINDING_KINDS = new Set(['rolebindings', 'clusterrolebindings']);
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export const isRbacWrite = (t: ResourceType) => t.group === RBAC_GROUP && (ROLE_KINDS.has(t.plural) || BINDING_KINDS.has(t.plural));

/** A view of `api` whose create/update of RBAC objects first checks `identity` for escalation. */
export function escalationGuardedApi(api: ClusterApi, authorizer: RbacAuthorizer, identity: Identity): ClusterApi {
  if (identity.groups.includes(SYSTEM_MASTERS)) return api; // EscalationAllowed
  const view = Object.create(api) as ClusterApi;
  view.create = (t, obj, opts) => {
    if (isRbacWrite(t)) confirmWrite(authorizer, identity, t, obj);
    return api.create(t, obj, opts);
  };
  view.update = (t, obj, opts) => {
    if (isRbacWrite(t)) {
      const old = api.tryGet(t, obj.metadata?.namespace, obj.metadata?.name ?? '');
      if (!old || !onlyGarbageCollectionFieldsChange(old, obj)) confirmWrite(authorizer, identity, t, obj);
    }
    return api.update(t, obj, opts);
  };
  return view;
}

/** rbacregistry.IsOnlyMutatingGCFields: owner references and finalizers may always change. */
function onlyGarbageCollectionFieldsChange(old: KubeObject, obj: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, ...meta } = o.metadata;
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return { ...rest, metadata: meta };
  };
  return isDeepStrictEqual(strip(old), strip(obj));
}

function confirmWrite(authorizer: RbacAuthorizer, identity: Identity, t: ResourceType, obj: KubeObject): void {
  const namespace = t.namespaced ? obj.metadata.namespace ?? '' : '';
  const name = obj.metadata.name ?? '';
  const attrs = (verb: string, resource: string, resourceName: string, apiGroup = RBAC_GROUP) =>
    ({ user: identity, verb, resourceRequest: true, path: '', apiGroup, apiVersion: '*', resource, subresource: '', name: resourceName, namespace });
  const refuse = (why: string) => {
    const err = forbidden(`${qualifiedResource(t.plural, t.group)}${name ? ` ${JSON.stringify(name)}` : ''} is forbidden: ${why}`);
    return new StatusError(err.code, err.reason, err.message, { name: name || undefined, group: t.group, kind: t.plural });
  };

  if (ROLE_KINDS.has(t.plural)) {
    if (authorizer.authorize(attrs('escalate', t.plural, name)).allowed) return; // RoleEscalationAuthorized
    const missing = notHeld(authorizer, identity, namespace, rulesOf(obj));
    if (missing) throw refuse(missing);
    if (t.plural === 'clusterroles' && obj.aggregationRule !== undefined && notHeld(authorizer, identity, namespace, FULL_AUTHORITY))
      throw refuse('must have cluster-admin privileges to use the aggregationRule');
    return;
  }
  const ref = (obj.roleRef ?? {}) as RoleRef;
  const roleResource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : '';
  if (roleResource && authorizer.authorize(attrs('bind', roleResource, ref.name, ref.apiGroup ?? RBAC_GROUP)).allowed) return; // BindingAuthorized
  const resolved = authorizer.roleReferenceRules({ kind: String(ref.kind ?? ''), name: String(ref.name ?? '') }, namespace);
  if ('error' in resolved) {
    const notFound = resolved.error.endsWith('not found');
    throw new StatusError(notFound ? 404 : 500, notFound ? 'NotFound' : 'InternalError', resolved.error, notFound ? { name: ref.name, group: RBAC_GROUP, kind: ref.kind === 'Role' ? 'role' : 'clusterrole' } : undefined);
  }
  const missing = notHeld(authorizer, identity, namespace, resolved.rules);
  if (missing) throw refuse(missing);
}

/** validation.ConfirmNoEscalation: undefined when the user's rules in `namespace` cover `rules`, else the text. */
function notHeld(authorizer: RbacAuthorizer, identity: Identity, namespace: string, rules: PolicyRule[]): string | undefined {
  const owner = authorizer.rulesFor(identity, namespace);
  const { covered, missing } = covers(owner.rules, rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(identity.user)} (groups=${goQuotedList(identity.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (owner.errors.length) msg += `; resolution errors: [${owner.errors.join(' ')}]`;
  return msg;
}
