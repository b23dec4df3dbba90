// Validation and defaulting of Role, ClusterRole, RoleBinding and ClusterRoleBinding, with the messages of
// pkg/apis/rbac/validation (names are path segments, so `system:discovery` is valid; roleRef is immutable).
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import type { ResourceType } from '../resources.js';
import { isPlainObject } from '../schema/structural.js';
import { RBAC_GROUP } from '../rbac/authorizer.js';
import { dns1123Subdomain } from './name-rules.js';

type Obj = Record<string, unknown>;
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const goString = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : String(v ?? ''));

const required = (field: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', field, message: detail ? `Required value: ${detail}` : 'Required value' });
const invalid = (field: string, shown: string, why: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${why}` });
const notSupported = (field: string, value: unknown, supported: string[]): StatusCause => ({
  reason: 'FieldValueNotSupported',
  field,
  message: `Unsupported value: ${goString(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

export const isRbacKind = (t: ResourceType) => t.group === RBAC_GROUP;

/** path.IsValidPathSegmentName: what names of RBAC objects (and roleRef names) must be. */
export function pathSegmentNameProblems(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

export function validateRbacName(field: string, name: string): StatusCause[] {
  return pathSegmentNameProblems(name).map((why) => invalid(field, JSON.stringify(name), why));
}

/** SetDefaults_RoleBinding / SetDefaults_Subject: roleRef and User/Group subjects default to the RBAC group. */
export function applyRbacDefaults(t: ResourceType, obj: KubeObject): void {
  if (t.kind !== 'RoleBinding' && t.kind !== 'ClusterRoleBinding') return;
  if (isPlainObject(obj.roleRef) && !obj.roleRef.apiGroup) obj.roleRef.apiGroup = RBAC_GROUP;
  for (const s of asList(obj.subjects)) {
    if (s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

function validatePolicyRule(rule: Obj, namespaced: boolean, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!strings(rule.verbs).length) out.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = strings(rule.nonResourceURLs);
  if (urls.length) {
    const shown = `[]string{${urls.map((u) => JSON.stringify(u)).join(', ')}}`;
    if (namespaced) out.push(invalid(`${path}.nonResourceURLs`, shown, 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(rule.apiGroups).length || strings(rule.resources).length || strings(rule.resourceNames).length)
      out.push(invalid(`${path}.nonResourceURLs`, shown, 'rules cannot apply to both regular resources and non-resource URLs'));
    return out;
  }
  if (!strings(rule.apiGroups).length) out.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (!strings(rule.resources).length) out.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return out;
}

function validateSubject(s: Obj, namespaced: boolean, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  if (!name) out.push(required(`${path}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) out.push(...dns1123Subdomain(`${path}.name`, name));
      if (s.apiGroup) out.push(notSupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!namespaced && !s.namespace) out.push(required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== RBAC_GROUP) out.push(notSupported(`${path}.apiGroup`, s.apiGroup, [RBAC_GROUP]));
      break;
    default:
      out.push(notSupported(`${path}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return out;
}

const roleRefText = (r: Obj) => `rbac.RoleRef{APIGroup:${goString(r.apiGroup)}, Kind:${goString(r.kind)}, Name:${goString(r.name)}}`;

function validateBinding(obj: KubeObject, old: KubeObject | undefined, namespaced: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isPlainObject(obj.roleRef)) obj.roleRef = { apiGroup: RBAC_GROUP, kind: '', name: '' }; // a Go struct: never absent
  const ref = obj.roleRef as Obj;
  if (ref.apiGroup !== RBAC_GROUP) out.push(notSupported('roleRef.apiGroup', ref.apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(String(ref.kind))) out.push(notSupported('roleRef.kind', ref.kind, kinds));
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (!name) out.push(required('roleRef.name'));
  else for (const why of pathSegmentNameProblems(name)) out.push(invalid('roleRef.name', JSON.stringify(name), why));
  asList(obj.subjects).forEach((s, i) => out.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  if (old) {
    const before = isPlainObject(old.roleRef) ? old.roleRef : {};
    if (before.apiGroup !== ref.apiGroup || before.kind !== ref.kind || before.name !== ref.name)
      out.push(invalid('roleRef', roleRefText(ref), 'cannot change roleRef'));
  }
  return out;
}

/** ValidateRole / ValidateClusterRole / ValidateRoleBinding(Update) / ValidateClusterRoleBinding(Update). */
export function validateRbac(t: ResourceType, obj: KubeObject, old?: KubeObject): StatusCause[] {
  switch (t.kind) {
    case 'Role':
    case 'ClusterRole':
      return asList(obj.rules).flatMap((r, i) => validatePolicyRule(r, t.kind === 'Role', `rules[${i}]`));
    case 'RoleBinding': return validateBinding(obj, old, true);
    case 'ClusterRoleBinding': return validateBinding(obj, old, false);
    default: return [];
  }
}
