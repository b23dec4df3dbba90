// Semantic validation of the built-in kinds (what a schema cannot say): names, container and port rules,
// a Deployment's selector matching its template, immutable fields. Messages follow the apiserver's.
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import type { ResourceType } from '../resources.js';
import { compileLabelSelector, type LabelSelector } from '../selectors.js';
import { isPlainObject } from '../schema/structural.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, labels } from './name-rules.js';
import { isRbacKind, validateRbac, validateRbacName } from './rbac-rules.js';

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
  });
  return out;
}

function validatePodSpec(path: string, spec: unknown): StatusCause[] {
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

function validateReplicated(obj: KubeObject, old: KubeObject | undefined, kind: string): StatusCause[] {
  const spec = asObj(obj.spec);
  const out: StatusCause[] = [];
  if (typeof spec.replicas === 'number' && spec.replicas < 0) out.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const selector = spec.selector as LabelSelector | undefined;
  if (!selector || (!Object.keys(selector.matchLabels ?? {}).length && !(selector.matchExpressions ?? []).length)) {
    out.push(isPlainObject(selector) ? invalid('spec.selector', selector, 'empty selector is invalid for deployment') : required('spec.selector'));
  }
  const template = asObj(spec.template);
  if (kind === 'Deployment' || spec.template !== undefined) {
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
  return out;
}

/** Kind-specific rules for built-in kinds; CRDs are covered by their schema alone. */
export function validateBuiltin(t: ResourceType, obj: KubeObject, old?: KubeObject): StatusCause[] {
  if (isRbacKind(t)) return validateRbac(t, obj, old);
  switch (`${t.group}/${t.kind}`) {
    case 'apps/Deployment': return validateReplicated(obj, old, 'Deployment');
    case 'apps/ReplicaSet': return validateReplicated(obj, old, 'ReplicaSet');
    case '/Service': return validateService(obj, old);
    case '/Pod': return validatePod(obj, old);
    case '/ConfigMap': return validateConfigMap(obj, old);
    case '/Event': return obj.involvedObject ? [] : [required('involvedObject')];
    default: return [];
  }
}
