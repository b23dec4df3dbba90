// Ephemeral containers (kubectl debug): what the pods/ephemeralcontainers subresource may write, with the
// apiserver's messages. Upstream: pkg/apis/core/validation/validation.go validateEphemeralContainers and
// ValidatePodEphemeralContainersUpdate; pkg/registry/core/pod/strategy.go podEphemeralContainersStrategy.
import { isDeepStrictEqual } from 'node:util';
import type { StatusCause } from '../errors.js';
import type { KubeObject } from '../store.js';
import { isPlainObject } from '../schema/structural.js';
import { dns1123Label } from './name-rules.js';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isPlainObject) : []);

/**
 * The EphemeralContainerCommon fields an ephemeral container may set (upstream allowedEphemeralContainerFields):
 * no ports, probes, lifecycle, resources or restartPolicy — they are not part of the pod's workload.
 */
const ALLOWED_FIELDS = new Set([
  'name', 'image', 'command', 'args', 'workingDir', 'env', 'envFrom', 'volumeMounts', 'volumeDevices',
  'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty', 'terminationMessagePath',
  'terminationMessagePolicy', 'targetContainerName',
]);

const isZero = (v: unknown) =>
  v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

/** Defaults of an ephemeral container, as of any container (SetDefaults_EphemeralContainer). */
export function defaultEphemeralContainers(spec: Obj): void {
  for (const c of asList(spec.ephemeralContainers)) {
    if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
      const tag = c.image.includes('@') ? undefined : c.image.split('/').pop()!.split(':')[1];
      c.imagePullPolicy = !c.image.includes('@') && (tag === undefined || tag === 'latest') ? 'Always' : 'IfNotPresent';
    }
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
  }
}

/** validateEphemeralContainers: names unique across all containers, a target that is a regular container. */
export function validateEphemeralContainers(spec: unknown): StatusCause[] {
  const s = asObj(spec);
  const out: StatusCause[] = [];
  const others = new Set([...asList(s.containers), ...asList(s.initContainers)].map((c) => c.name));
  const all = new Set(others);
  const volumes = new Set(asList(s.volumes).map((v) => v.name));
  asList(s.ephemeralContainers).forEach((c, i) => {
    const p = `spec.ephemeralContainers[${i}]`;
    if (typeof c.name !== 'string' || !c.name) out.push({ reason: 'FieldValueRequired', field: `${p}.name`, message: 'Required value' });
    else out.push(...dns1123Label(`${p}.name`, c.name));
    if (typeof c.image !== 'string' || !c.image.trim()) out.push({ reason: 'FieldValueRequired', field: `${p}.image`, message: 'Required value' });
    asList(c.volumeMounts).forEach((m, j) => {
      if (!volumes.has(m.name)) out.push({ reason: 'FieldValueNotFound', field: `${p}.volumeMounts[${j}].name`, message: `Not found: ${JSON.stringify(m.name)}` });
      for (const key of ['subPath', 'subPathExpr'])
        if (!isZero(m[key])) out.push({ reason: 'FieldValueForbidden', field: `${p}.volumeMounts[${j}].${key}`, message: 'Forbidden: cannot be set for an Ephemeral Container' });
    });
    if (typeof c.name === 'string' && c.name) {
      if (all.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
      else all.add(c.name);
    }
    if (typeof c.targetContainerName === 'string' && c.targetContainerName && !others.has(c.targetContainerName))
      out.push({ reason: 'FieldValueNotFound', field: `${p}.targetContainerName`, message: `Not found: ${JSON.stringify(c.targetContainerName)}` });
    for (const [key, value] of Object.entries(c))
      if (!ALLOWED_FIELDS.has(key) && !isZero(value)) out.push({ reason: 'FieldValueForbidden', field: `${p}.${key}`, message: 'Forbidden: cannot be set for an Ephemeral Container' });
  });
  return out;
}

/** ValidatePodEphemeralContainersUpdate, part 2: existing ephemeral containers stay exactly as they were. */
export function validateEphemeralContainersUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  const out: StatusCause[] = [];
  const byName = new Map(asList(asObj(next.spec).ephemeralContainers).map((c) => [c.name, c]));
  for (const before of asList(asObj(old.spec).ephemeralContainers)) {
    const name = String(before.name);
    const after = byName.get(before.name);
    // The trailing newline (and the diff after "may not be changed") are upstream's message as it is.
    if (!after) out.push({ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers', message: `Forbidden: existing ephemeral containers ${JSON.stringify(name)} may not be removed\n` });
    else if (!isDeepStrictEqual(before, after))
      out.push({ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers', message: `Forbidden: existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${fieldDiff(before, after)}` });
  }
  return out;
}

/** A short field-by-field diff in the spirit of upstream's cmp.Diff (which the message carries). */
function fieldDiff(before: Obj, after: Obj): string {
  const lines: string[] = ['  core.EphemeralContainer{'];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (isDeepStrictEqual(before[key], after[key])) continue;
    if (key in before) lines.push(`- \t${key}: ${JSON.stringify(before[key])},`);
    if (key in after) lines.push(`+ \t${key}: ${JSON.stringify(after[key])},`);
  }
  lines.push('  }');
  return `${lines.join('\n')}\n`;
}

/** ValidatePodCreate: a new pod cannot bring ephemeral containers (they are added to running pods only). */
export function ephemeralContainersOnCreate(spec: unknown): StatusCause[] {
  return asList(asObj(spec).ephemeralContainers).length
    ? [{ reason: 'FieldValueForbidden', field: 'spec.ephemeralContainers', message: 'Forbidden: cannot be set on create' }]
    : [];
}
