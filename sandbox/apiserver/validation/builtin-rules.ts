// Semantic validation of the built-in kinds (what a schema cannot say): names, container and port rules,
// a Deployment's selector matching its template, immutable fields. Messages follow the apiserver's.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import type { ResourceType } from '../resources.js';
import { compileLabelSelector, type LabelSelector } from '../selectors.js';
import { isPlainObject } from '../schema/structural.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, labels } from './name-rules.js';
import { Quantity } from '../admission/quantity.js';
import { CONFIGMAP_SECRET_BYTES, QUOTA_SCOPES, STANDARD_QUOTA_RESOURCES, isIntegerResource } from '../admission/quota-usage.js';

/** Kubernetes' size limit of one ConfigMap's or Secret's data (corev1.MaxSecretSize). */
export const MAX_CONFIG_OBJECT_BYTES = 1024 * 1024;
const QUANTITY_PATTERN = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
import { isRbacKind, validateRbac, validateRbacName } from './rbac-rules.js';
import { validateWorkload } from './workload-rules.js';
import { validatePodDisruptionBudget } from './disruption-budget-rules.js';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);

const required = (field: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: 'Required value' });
const invalid = (field: string, value: unknown, why: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value)}: ${why}`,
});
const immutable = (field: string, value: unknown): StatusCause => invalid(field, value, 'field is immutable');

function portInRange(field: string, v: unknown): StatusCause[] {
  if (typeof v !== 'number') return [];
  return v >= 1 && v <= 65535 ? [] : [invalid(field, v, 'must be between 1 and 65535, inclusive')];
}

/** Names per kind: most are DNS-1123 subdomains; namespaces are labels; services are DNS-1035 labels. */
export function validateName(t: ResourceType, name: string): StatusCause[] {
  if (t.group === '' && t.kind === 'Namespace') return dns1123Label('metadata.name', name);
  if (t.group === '' && t.kind === 'Service') return dns1035Label('metadata.name', name);
  if (isRbacKind(t)) return validateRbacName('metadata.name', name);
  return dns1123Subdomain('metadata.name', name);
}

export function validateMetadata(obj: KubeObject): StatusCause[] {
  const m = obj.metadata;
  return [...labels('metadata.labels', m.labels), ...Object.keys(m.annotations ?? {}).flatMap((k) => labels('metadata.annotations', { [k]: '' }))];
}

function validateContainers(path: string, list: unknown, requiredList: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const containers = asList(list);
  if (requiredList && containers.length === 0) out.push(required(path));
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (typeof c.name !== 'string' || !c.name) out.push(required(`${p}.name`));
    else out.push(...dns1123Label(`${p}.name`, c.name));
    if (typeof c.image !== 'string' || !c.image.trim()) out.push(required(`${p}.image`));
    asList(c.ports).forEach((port, j) => {
      out.push(...portInRange(`${p}.ports[${j}].containerPort`, port.containerPort));
      if (port.hostPort !== undefined) out.push(...portInRange(`${p}.ports[${j}].hostPort`, port.hostPort));
    });
    asList(c.env).forEach((e, j) => {
      if (typeof e.name !== 'string' || !e.name) out.push(required(`${p}.env[${j}].name`));
    });
    out.push(...validateResourceRequirements(`${p}.resources`, c.resources));
  });
  return out;
}

/** Requests and limits are quantities, not negative, and a request is at most its limit. */
function validateResourceRequirements(path: string, value: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  const r = asObj(value);
  const parsed: Record<string, Map<string, Quantity>> = { requests: new Map(), limits: new Map() };
  for (const kind of ['limits', 'requests']) {
    for (const [name, raw] of Object.entries(asObj(r[kind]))) {
      const q = Quantity.parse(raw);
      if (!q) out.push(invalid(`${path}.${kind}[${name}]`, raw, QUANTITY_PATTERN));
      else if (q.nano < 0n) out.push(invalid(`${path}.${kind}[${name}]`, String(raw), 'must be greater than or equal to 0'));
      else parsed[kind].set(name, q);
    }
  }
  for (const [name, req] of parsed.requests) {
    const lim = parsed.limits.get(name);
    if (lim && req.cmp(lim) > 0) out.push(invalid(`${path}.requests`, req.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
  }
  return out;
}

export function validatePodSpec(path: string, spec: unknown): StatusCause[] {
  const s = asObj(spec);
  const out = [
    ...validateContainers(`${path}.containers`, s.containers, true),
    ...validateContainers(`${path}.initContainers`, s.initContainers, false),
  ];
  const names = new Set<string>();
  for (const [i, c] of [...asList(s.initContainers), ...asList(s.containers)].entries()) {
    if (typeof c.name === 'string' && names.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${path}.containers[${i}].name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
    if (typeof c.name === 'string') names.add(c.name);
  }
  const volumeNames = new Set(asList(s.volumes).map((v) => v.name));
  for (const [i, c] of asList(s.containers).entries()) {
    asList(c.volumeMounts).forEach((m, j) => {
      if (!volumeNames.has(m.name)) out.push({ reason: 'FieldValueNotFound', field: `${path}.containers[${i}].volumeMounts[${j}].name`, message: `Not found: ${JSON.stringify(m.name)}` });
    });
  }
  return out;
}

export function validateReplicated(obj: KubeObject, old: KubeObject | undefined, kind: string): StatusCause[] {
  const spec = asObj(obj.spec);
  const out: StatusCause[] = [];
  if (typeof spec.replicas === 'number' && spec.replicas < 0) out.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const selector = spec.selector as LabelSelector | undefined;
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
    out.push(isPlainObject(selector) ? invalid('spec.selector', selector, `empty selector is invalid for ${kind === 'ReplicaSet' ? 'deployment' : kind.toLowerCase()}`) : required('spec.selector'));
  }
  const template = asObj(spec.template);
  if (kind !== 'ReplicaSet' || spec.template !== undefined) {
    const tplLabels = asObj(asObj(template.metadata).labels) as Record<string, string>;
    if (selector && isPlainObject(selector) && !compileLabelSelector(selector)(tplLabels))
      out.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(tplLabels)}: \`selector\` does not match template \`labels\`` });
    out.push(...labels('spec.template.metadata.labels', tplLabels));
    out.push(...validatePodSpec('spec.template.spec', template.spec));
    const restartPolicy = asObj(template.spec).restartPolicy;
    if (restartPolicy !== undefined && restartPolicy !== 'Always')
      out.push({ reason: 'FieldValueNotSupported', field: 'spec.template.spec.restartPolicy', message: `Unsupported value: ${JSON.stringify(restartPolicy)}: supported values: "Always"` });
  }
  if (old && JSON.stringify(asObj(old.spec).selector) !== JSON.stringify(spec.selector))
    out.push(immutable('spec.selector', spec.selector));
  return out;
}

function validateService(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const spec = asObj(obj.spec);
  const out: StatusCause[] = [];
  const ports = asList(spec.ports);
  const type = spec.type ?? 'ClusterIP';
  if (type !== 'ExternalName' && spec.clusterIP !== 'None' && ports.length === 0) out.push(required('spec.ports'));
  if (type === 'ExternalName' && typeof spec.externalName !== 'string') out.push(required('spec.externalName'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    out.push(...portInRange(`spec.ports[${i}].port`, p.port));
    if (typeof p.targetPort === 'number') out.push(...portInRange(`spec.ports[${i}].targetPort`, p.targetPort));
    if (ports.length > 1 && !p.name) out.push(required(`spec.ports[${i}].name`));
    if (typeof p.name === 'string') {
      if (names.has(p.name)) out.push({ reason: 'FieldValueDuplicate', field: `spec.ports[${i}].name`, message: `Duplicate value: ${JSON.stringify(p.name)}` });
      names.add(p.name);
    }
  });
  const oldIP = old ? asObj(old.spec).clusterIP : undefined;
  if (old && oldIP && spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== oldIP)
    out.push(immutable('spec.clusterIP', spec.clusterIP));
  return out;
}

function validatePod(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const out = validatePodSpec('spec', obj.spec);
  if (old) {
    // Pods are mostly immutable: only images (and a few scheduling fields) may change in place.
    const strip = (spec: unknown) => {
      const s = structuredClone(asObj(spec));
      for (const key of ['containers', 'initContainers']) for (const c of asList(s[key])) delete c.image;
      delete s.activeDeadlineSeconds;
      delete s.tolerations;
      delete s.nodeName;
      return JSON.stringify(s);
    };
    if (strip(old.spec) !== strip(obj.spec))
      out.push({ reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' });
  }
  return out;
}

function validateConfigMap(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  const keyRe = /^[-._a-zA-Z0-9]+$/;
  for (const field of ['data', 'binaryData']) {
    for (const k of Object.keys(asObj(obj[field]))) {
      if (!keyRe.test(k) || k.length > 253)
        out.push(invalid(field, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    }
  }
  if (old?.immutable === true && (JSON.stringify(old.data) !== JSON.stringify(obj.data) || JSON.stringify(old.binaryData) !== JSON.stringify(obj.binaryData)))
    out.push({ reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' });
  let size = 0;
  for (const v of Object.values(asObj(obj.data))) if (typeof v === 'string') size += Buffer.byteLength(v);
  for (const v of Object.values(asObj(obj.binaryData))) if (typeof v === 'string') size += Buffer.from(v, 'base64').length;
  if (size > MAX_CONFIG_OBJECT_BYTES) out.push(tooLong('[]'));
  return out;
}

const tooLong = (field: string): StatusCause => ({ reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${MAX_CONFIG_OBJECT_BYTES} bytes` });

/** Required keys per Secret type (upstream ValidateSecret). */
const SECRET_TYPE_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

function validateSecret(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const out: StatusCause[] = [];
  const data = asObj(obj.data);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253)
      out.push(invalid(`data[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    if (typeof v === 'string') size += Buffer.from(v, 'base64').length;
  }
  if (size > MAX_CONFIG_OBJECT_BYTES) out.push(tooLong('data'));
  const type = typeof obj.type === 'string' ? obj.type : 'Opaque';
  for (const key of SECRET_TYPE_KEYS[type] ?? []) if (!(key in data)) out.push({ reason: 'FieldValueRequired', field: `data[${key}]`, message: 'Required value' });
  if (old) {
    const oldType = typeof old.type === 'string' ? old.type : 'Opaque';
    if (oldType !== type) out.push(immutable('type', type));
    if (old.immutable === true && JSON.stringify(old.data ?? {}) !== JSON.stringify(obj.data ?? {}))
      out.push({ reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' });
  }
  return out;
}

/** A quota resource name: a standard one, `count/<resource>[.<group>]`, or a domain-qualified name. */
function validateQuotaResourceName(field: string, name: string): StatusCause[] {
  if (STANDARD_QUOTA_RESOURCES.has(name) || name === CONFIGMAP_SECRET_BYTES) return [];
  if (/^count\/[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) return [];
  if (/^(requests\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name)) return [];
  return [invalid(field, name, 'must be a standard resource for quota')];
}

function validateQuantities(path: string, map: unknown, integers: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  for (const [name, raw] of Object.entries(asObj(map))) {
    const field = `${path}[${name}]`;
    const q = Quantity.parse(raw);
    if (!q) out.push(invalid(field, raw, QUANTITY_PATTERN));
    else if (q.nano < 0n) out.push(invalid(field, String(raw), 'must be greater than or equal to 0'));
    else if (integers && isIntegerResource(name) && q.nano % 1_000_000_000n !== 0n) out.push(invalid(field, String(raw), 'must be an integer'));
  }
  return out;
}

function validateResourceQuota(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  const out: StatusCause[] = [];
  for (const name of Object.keys(asObj(spec.hard))) out.push(...validateQuotaResourceName(`spec.hard[${name}]`, name));
  out.push(...validateQuantities('spec.hard', spec.hard, true));
  const scopes = Array.isArray(spec.scopes) ? spec.scopes : [];
  scopes.forEach((scope, i) => {
    if (!QUOTA_SCOPES.includes(String(scope)))
      out.push({ reason: 'FieldValueNotSupported', field: `spec.scopes[${i}]`, message: `Unsupported value: ${JSON.stringify(scope)}: supported values: ${QUOTA_SCOPES.map((x) => JSON.stringify(x)).join(', ')}` });
  });
  asList(asObj(spec.scopeSelector).matchExpressions).forEach((e, i) => {
    if (!QUOTA_SCOPES.includes(String(e.scopeName)))
      out.push({ reason: 'FieldValueNotSupported', field: `spec.scopeSelector.matchExpressions[${i}].scopeName`, message: `Unsupported value: ${JSON.stringify(e.scopeName)}: supported values: ${QUOTA_SCOPES.map((x) => JSON.stringify(x)).join(', ')}` });
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(String(e.operator)))
      out.push({ reason: 'FieldValueNotSupported', field: `spec.scopeSelector.matchExpressions[${i}].operator`, message: `Unsupported value: ${JSON.stringify(e.operator)}: supported values: "DoesNotExist", "Exists", "In", "NotIn"` });
  });
  return out;
}

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

function validateLimitRange(obj: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  asList(asObj(obj.spec).limits).forEach((item, i) => {
    const p = `spec.limits[${i}]`;
    if (!LIMIT_TYPES.includes(String(item.type)))
      out.push({ reason: 'FieldValueNotSupported', field: `${p}.type`, message: `Unsupported value: ${JSON.stringify(item.type)}: supported values: "Container", "PersistentVolumeClaim", "Pod"` });
    const fields = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
    const q: Record<string, Map<string, Quantity>> = {};
    for (const f of fields) {
      out.push(...validateQuantities(`${p}.${f}`, item[f], false));
      q[f] = new Map();
      for (const [k, raw] of Object.entries(asObj(item[f]))) {
        const v = Quantity.parse(raw);
        if (v) q[f].set(k, v);
      }
    }
    if (item.type === 'Pod') {
      if (item.default !== undefined) out.push({ reason: 'FieldValueForbidden', field: `${p}.default`, message: "Forbidden: may not be specified when `type` is 'Pod'" });
      if (item.defaultRequest !== undefined) out.push({ reason: 'FieldValueForbidden', field: `${p}.defaultRequest`, message: "Forbidden: may not be specified when `type` is 'Pod'" });
    }
    const keys = new Set(fields.flatMap((f) => [...q[f].keys()]));
    for (const k of [...keys].sort()) {
      const min = q.min.get(k), max = q.max.get(k), def = q.default.get(k), defReq = q.defaultRequest.get(k), ratio = q.maxLimitRequestRatio.get(k);
      if (min && max && min.cmp(max) > 0) out.push(invalid(`${p}.min[${k}]`, min.toString(), `min value ${min} is greater than max value ${max}`));
      if (defReq && min && min.cmp(defReq) > 0) out.push(invalid(`${p}.defaultRequest[${k}]`, defReq.toString(), `min value ${min} is greater than default request value ${defReq}`));
      if (defReq && max && defReq.cmp(max) > 0) out.push(invalid(`${p}.defaultRequest[${k}]`, defReq.toString(), `default request value ${defReq} is greater than max value ${max}`));
      if (defReq && def && defReq.cmp(def) > 0) out.push(invalid(`${p}.defaultRequest[${k}]`, defReq.toString(), `default request value ${defReq} is greater than default limit value ${def}`));
      if (def && min && min.cmp(def) > 0) out.push(invalid(`${p}.default[${k}]`, def.toString(), `min value ${min} is greater than default value ${def}`));
      if (def && max && def.cmp(max) > 0) out.push(invalid(`${p}.default[${k}]`, def.toString(), `default value ${def} is greater than max value ${max}`));
      if (ratio && ratio.cmp(Quantity.fromNumber(1)) < 0) out.push(invalid(`${p}.maxLimitRequestRatio[${k}]`, ratio.toString(), `ratio ${ratio} is less than 1`));
    }
  });
  return out;
}

// ---- NetworkPolicy (pkg/apis/networking/validation) -------------------------------------------------

function portNameProblems(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

const CIDR_HELP = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function parseIPv4Cidr(text: string): { base: number; bits: number } | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((x) => x > 255) || bits > 32) return undefined;
  const ip = octets.reduce((n, x) => n * 256 + x, 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits };
}

function validateNetworkPolicyPort(path: string, port: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (port.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol as string))
    out.push({ reason: 'FieldValueNotSupported', field: `${path}.protocol`, message: `Unsupported value: ${JSON.stringify(port.protocol)}: supported values: "TCP", "UDP", "SCTP"` });
  const p = port.port;
  const end = port.endPort;
  if (typeof p === 'number') {
    out.push(...portInRange(`${path}.port`, p));
    if (typeof end === 'number') {
      if (end < p) out.push(invalid(`${path}.endPort`, p, 'must be greater than or equal to `port`'));
      out.push(...portInRange(`${path}.endPort`, end));
    }
  } else if (typeof p === 'string') {
    if (end !== undefined) out.push(invalid(`${path}.endPort`, end, 'may not be specified when `port` is non-numeric'));
    for (const msg of portNameProblems(p)) out.push(invalid(`${path}.port`, p, msg));
  } else if (end !== undefined) {
    out.push(invalid(`${path}.endPort`, end, 'may not be specified when `port` is not specified'));
  }
  return out;
}

function validateNetworkPolicyPeer(path: string, peer: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const count = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => peer[k] !== undefined).length;
  if (count === 0) return [{ reason: 'FieldValueRequired', field: path, message: 'Required value: must specify a peer' }];
  if (count > 1 && peer.ipBlock !== undefined) out.push({ reason: 'FieldValueForbidden', field: path, message: 'Forbidden: may not specify both ipBlock and another peer' });
  if (peer.ipBlock !== undefined) {
    const block = asObj(peer.ipBlock);
    if (typeof block.cidr !== 'string' || block.cidr === '') return [...out, required(`${path}.ipBlock.cidr`)];
    const cidr = parseIPv4Cidr(block.cidr);
    if (!cidr) out.push(invalid(`${path}.ipBlock.cidr`, block.cidr, CIDR_HELP));
    (Array.isArray(block.except) ? block.except : []).forEach((e: unknown, i: number) => {
      const field = `${path}.ipBlock.except[${i}]`;
      const except = typeof e === 'string' ? parseIPv4Cidr(e) : undefined;
      if (!except) return void out.push(invalid(field, e, CIDR_HELP));
      const mask = cidr && cidr.bits ? (0xffffffff << (32 - cidr.bits)) >>> 0 : 0;
      if (cidr && (((except.base & mask) >>> 0) !== cidr.base || cidr.bits >= except.bits)) out.push(invalid(field, e, 'must be a strict subset of `cidr`'));
    });
  }
  return out;
}

function validateNetworkPolicy(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec);
  const out: StatusCause[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    const peersKey = direction === 'ingress' ? 'from' : 'to';
    asList(spec[direction]).forEach((rule, i) => {
      asList(rule.ports).forEach((p, j) => out.push(...validateNetworkPolicyPort(`spec.${direction}[${i}].ports[${j}]`, p)));
      asList(rule[peersKey]).forEach((p, j) => out.push(...validateNetworkPolicyPeer(`spec.${direction}[${i}].${peersKey}[${j}]`, p)));
    });
  }
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (types.length > 2) {
    out.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  } else {
    types.forEach((t: unknown, i: number) => {
      if (t !== 'Ingress' && t !== 'Egress')
        out.push({ reason: 'FieldValueNotSupported', field: `spec.policyTypes[${i}]`, message: `Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"` });
    });
  }
  return out;
}

/** Kind-specific rules for built-in kinds; CRDs are covered by their schema alone. */
export function validateBuiltin(t: ResourceType, obj: KubeObject, old?: KubeObject): StatusCause[] {
  if (isRbacKind(t)) return validateRbac(t, obj, old);
  switch (`${t.group}/${t.kind}`) {
    case 'apps/Deployment': return validateReplicated(obj, old, 'Deployment');
    case 'apps/ReplicaSet': return validateReplicated(obj, old, 'ReplicaSet');
    case 'batch/Job': case 'batch/CronJob': case 'apps/StatefulSet': case 'apps/DaemonSet': return validateWorkload(t.kind, obj, old);
    case '/Service': return validateService(obj, old);
    case '/Pod': return validatePod(obj, old);
    case '/ConfigMap': return validateConfigMap(obj, old);
    case '/Secret': return validateSecret(obj, old);
    case '/ResourceQuota': return validateResourceQuota(obj);
    case '/LimitRange': return validateLimitRange(obj);
    case '/Event': return obj.involvedObject ? [] : [required('involvedObject')];
    case 'networking.k8s.io/NetworkPolicy': return validateNetworkPolicy(obj);
    case 'policy/PodDisruptionBudget': return validatePodDisruptionBudget(obj);
    default: return [];
  }
}
