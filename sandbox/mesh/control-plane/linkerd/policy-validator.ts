// Linkerd's policy validating webhook (policy-controller runtime/src/admission.rs, "linkerd-policy-validator"): the
// checks it makes on policy.linkerd.io objects before they are stored, with its messages, refused as the API server
// refuses for a denying webhook (400, `admission webhook "…" denied the request: …`, which kubectl prints).
import type { AdmissionPlugin } from '../../../apiserver/api.js';
import { StatusError } from '../../../apiserver/errors.js';
import { cidrContains, parseCidr } from './cidr.js';
import { isDefaultPolicy } from './default-policy.js';
import { GATEWAY_GROUP, POLICY_GROUP } from './policy-objects.js';

export const POLICY_WEBHOOK = 'linkerd-policy-validator.linkerd.io';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

interface Ref {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}
const ref = (v: unknown): Ref => {
  const r = isObj(v) ? v : {};
  return { group: str(r.group), kind: str(r.kind), name: str(r.name), namespace: typeof r.namespace === 'string' ? r.namespace : undefined };
};
const targets = (r: Ref, group: string, kind: string) => r.kind.toLowerCase() === kind.toLowerCase() && (r.group.toLowerCase() === group || (group === '' && r.group === 'core'));
/** A targetRef's kind as Linkerd prints it (`MeshTLSAuthentication.policy.linkerd.io`, `Secret`). */
const canonical = (r: Ref) => (r.group && r.group !== 'core' ? `${r.kind}.${r.group}` : r.kind);

function validateAuthorizationPolicy(ns: string, spec: Obj): string | undefined {
  const t = ref(spec.targetRef);
  if (targets(t, '', 'Namespace') && t.name !== ns) return `cannot target another namespace: ${t.name}`;
  const authns = arr(spec.requiredAuthenticationRefs).map(ref);
  const mtls = authns.filter((a) => targets(a, POLICY_GROUP, 'MeshTLSAuthentication')).length;
  if (mtls > 1) return 'only a single MeshTLSAuthentication may be set';
  const sas = authns.filter((a) => targets(a, '', 'ServiceAccount')).length;
  if (sas > 1) return 'only a single ServiceAccount may be set';
  if (mtls + sas > 1) return 'a MeshTLSAuthentication and ServiceAccount may not be set together';
  const nets = authns.filter((a) => targets(a, POLICY_GROUP, 'NetworkAuthentication')).length;
  if (nets > 1) return 'only a single NetworkAuthentication may be set';
  if (mtls + sas + nets < authns.length) {
    const kinds = authns.filter((a) => !targets(a, POLICY_GROUP, 'MeshTLSAuthentication') && !targets(a, POLICY_GROUP, 'NetworkAuthentication') && !targets(a, '', 'ServiceAccount'));
    return `unsupported authentication kind(s): ${kinds.map(canonical).join(', ')}`;
  }
  const supported = targets(t, POLICY_GROUP, 'Server') || targets(t, '', 'Namespace') || targets(t, POLICY_GROUP, 'HTTPRoute') || targets(t, GATEWAY_GROUP, 'HTTPRoute') || targets(t, GATEWAY_GROUP, 'GRPCRoute');
  return supported ? undefined : `unsupported authorization target type: ${canonical(t)}`;
}

function validateMeshTls(spec: Obj): string | undefined {
  for (const r of arr(spec.identityRefs).map(ref)) {
    if (targets(r, '', 'ServiceAccount')) continue;
    if (targets(r, '', 'Namespace')) {
      if (r.namespace !== undefined) return 'Namespace identity_ref is cluster-scoped and cannot have a namespace';
      continue;
    }
    return `invalid identity target kind: ${canonical(r)}`;
  }
  return undefined;
}

function validateNetworks(list: unknown[]): string | undefined {
  for (const raw of list) {
    const n = isObj(raw) ? raw : {};
    const cidr = parseCidr(str(n.cidr));
    if (!cidr) return `invalid cidr ${JSON.stringify(n.cidr)}`;
    for (const e of arr(n.except)) {
      const except = parseCidr(str(e));
      if (!except) return `invalid cidr ${JSON.stringify(e)}`;
      if (cidrContains(except, cidr)) return `cidr '${str(n.cidr)}' is completely negated by exception '${str(e)}'`;
      if (!cidrContains(cidr, except)) return `cidr '${str(n.cidr)}' does not include exception '${str(e)}'`;
    }
  }
  return undefined;
}

function validateServerAuthorization(spec: Obj): string | undefined {
  const client = isObj(spec.client) ? spec.client : {};
  if (isObj(client.meshTLS)) {
    if (client.unauthenticated === true) return '`unauthenticated` must be false if `mesh_tls` is specified';
    const m = client.meshTLS;
    if (m.unauthenticatedTLS === true && arr(m.identities).length + arr(m.serviceAccounts).length > 0) return '`unauthenticatedTLS` be false if any `identities` or `service_accounts` is specified';
  }
  return validateNetworks(arr(client.networks));
}

/** The webhook's verdict on one object: the denial message, or undefined when admitted. */
export function validatePolicyObject(kind: string, namespace: string, spec: unknown): string | undefined {
  const s = isObj(spec) ? spec : {};
  switch (kind) {
    case 'AuthorizationPolicy':
      return validateAuthorizationPolicy(namespace, s);
    case 'MeshTLSAuthentication':
      return validateMeshTls(s);
    case 'NetworkAuthentication':
      return arr(s.networks).length ? validateNetworks(arr(s.networks)) : 'at least one network must be specified';
    case 'ServerAuthorization':
      return validateServerAuthorization(s);
    case 'Server': {
      const p = s.accessPolicy;
      return p === undefined || (typeof p === 'string' && isDefaultPolicy(p)) ? undefined : `Invalid 'accessPolicy' field: invalid mode: ${JSON.stringify(p)}`;
    }
    default:
      return undefined;
  }
}

export function linkerdPolicyValidator(): AdmissionPlugin {
  return (r) => {
    if (r.operation === 'DELETE' || r.subresource || r.type.group !== POLICY_GROUP) return;
    const denied = validatePolicyObject(r.type.kind, r.object.metadata.namespace ?? '', r.object.spec);
    // k8s.io/apiserver webhook/errors ToStatusErr: code 400 (the webhook set none), no reason, the webhook named.
    if (denied) throw new StatusError(400, '', `admission webhook "${POLICY_WEBHOOK}" denied the request: ${denied}`);
  };
}
