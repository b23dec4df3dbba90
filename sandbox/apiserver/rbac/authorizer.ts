// The RBAC authorizer: ClusterRoleBindings (everywhere) and the request namespace's RoleBindings whose
// subjects name the user, its groups or its ServiceAccount; the rules of the Role/ClusterRole they reference
// decide. Members of system:masters are always allowed (the privileged-group authorizer before RBAC).
import type { ClusterApi } from '../api.js';
import type { KubeObject } from '../store.js';
import { SYSTEM_MASTERS, type Identity } from '../auth.js';
import { ruleAllows, rulesOf, type PolicyRule } from './policy-rules.js';
import type { RequestAttributes } from './request-attributes.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface Decision {
  allowed: boolean;
  /** Why: `RBAC: allowed by RoleBinding "x/ns" of Role "y" to ServiceAccount "sa/ns"`, or resolution errors. */
  reason: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind: string;
  name: string;
}

interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}

/** A rule's source, described as the authorizer's reason describes it. */
type Visitor = (source: string | undefined, rule: PolicyRule | undefined, error: string | undefined) => boolean;

function subjectsOf(binding: KubeObject): Subject[] {
  return Array.isArray(binding.subjects) ? (binding.subjects as Subject[]).filter((s) => typeof s === 'object' && s !== null) : [];
}

function roleRefOf(binding: KubeObject): RoleRef {
  const ref = (binding.roleRef ?? {}) as Partial<RoleRef>;
  return { apiGroup: ref.apiGroup, kind: String(ref.kind ?? ''), name: String(ref.name ?? '') };
}

/** rbac.appliesToUser: `bindingNamespace` defaults a ServiceAccount subject's namespace (RoleBindings only). */
function appliesToUser(user: Identity, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User': return user.user === s.name;
    case 'Group': return !!s.name && user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.user === `system:serviceaccount:${ns}:${s.name}`;
    }
    default: return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

export class RbacAuthorizer {
  constructor(private readonly api: ClusterApi) {}

  authorize(a: RequestAttributes): Decision {
    if (a.user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
    let reason = '';
    const errors: string[] = [];
    let allowed = false;
    this.visitRulesFor(a.user, a.namespace, (source, rule, error) => {
      if (error) errors.push(error);
      else if (rule && ruleAllows(a, rule)) {
        allowed = true;
        reason = `RBAC: allowed by ${source}`;
        return false;
      }
      return true;
    });
    if (allowed) return { allowed, reason };
    if (!errors.length) return { allowed: false, reason: '' };
    return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
  }

  /** Every rule the user holds in `namespace` (cluster-wide rules alone when it is ''), and resolution errors. */
  rulesFor(user: Identity, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_source, rule, error) => {
      if (error) errors.push(error);
      else if (rule) rules.push(rule);
      return true;
    });
    return { rules, errors };
  }

  /** The rules a roleRef names, for a binding in `bindingNamespace` ('' for a ClusterRoleBinding), or why they cannot be read. */
  roleReferenceRules(ref: RoleRef, bindingNamespace: string): { rules: PolicyRule[] } | { error: string } {
    if (ref.kind === 'Role') {
      const role = bindingNamespace ? this.api.tryGet(this.api.type(RBAC_GROUP, 'roles'), bindingNamespace, ref.name) : undefined;
      return role ? { rules: rulesOf(role) } : { error: `role.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
    }
    if (ref.kind === 'ClusterRole') {
      const role = this.api.tryGet(this.api.type(RBAC_GROUP, 'clusterroles'), undefined, ref.name);
      return role ? { rules: rulesOf(role) } : { error: `clusterrole.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found` };
    }
    return { error: `unsupported role reference kind: ${JSON.stringify(ref.kind)}` };
  }

  private visitRulesFor(user: Identity, namespace: string, visit: Visitor): void {
    // Read without copies: this runs on every request, and the bindings are only read.
    const sources: { binding: Readonly<KubeObject>; bindingNamespace: string; label: string }[] = [];
    this.api.scan(this.api.type(RBAC_GROUP, 'clusterrolebindings'), undefined, (b) => sources.push({ binding: b, bindingNamespace: '', label: 'ClusterRoleBinding' }));
    if (namespace) this.api.scan(this.api.type(RBAC_GROUP, 'rolebindings'), namespace, (b) => sources.push({ binding: b, bindingNamespace: namespace, label: 'RoleBinding' }));
    for (const { binding, bindingNamespace, label } of sources) {
      const subject = subjectsOf(binding).find((s) => appliesToUser(user, s, bindingNamespace));
      if (!subject) continue;
      const ref = roleRefOf(binding);
      const resolved = this.roleReferenceRules(ref, bindingNamespace);
      if ('error' in resolved) {
        if (!visit(undefined, undefined, resolved.error)) return;
        continue;
      }
      const name = bindingNamespace ? `${binding.metadata.name}/${bindingNamespace}` : binding.metadata.name;
      const source = `${label} ${JSON.stringify(name)} of ${ref.kind} ${JSON.stringify(ref.name)} to ${describeSubject(subject, bindingNamespace)}`;
      for (const rule of resolved.rules) if (!visit(source, rule, undefined)) return;
    }
  }
}
