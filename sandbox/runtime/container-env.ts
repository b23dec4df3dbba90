// A container's environment as the kubelet builds it: literal values, the downward API (fieldRef), keys of
// ConfigMaps and Secrets (env and envFrom), then the Services' link variables where the container set none
// (service-env.ts). A missing non-optional source is an error the kubelet reports as CreateContainerConfigError.
import type { ClusterApi } from '../apiserver/api.js';
import type { Container, Pod } from './kinds.js';
import { serviceEnv } from './service-env.js';

export class ContainerConfigError extends Error {}

type DataSource = { data: Record<string, string>; exists: boolean };

export function resolveEnv(api: ClusterApi, pod: Pod, container: Container, podIP: string, hostIP: string): Record<string, string> {
  const ns = pod.metadata.namespace;
  const env: Record<string, string> = { HOSTNAME: pod.metadata.name };
  const services = serviceEnv(api, pod);
  const configMap = (name: string): DataSource => {
    const cm = api.tryGet(api.type('', 'configmaps'), ns, name);
    return { data: (cm?.data as Record<string, string> | undefined) ?? {}, exists: !!cm };
  };
  const secret = (name: string): DataSource => {
    const s = api.tryGet(api.type('', 'secrets'), ns, name);
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries((s?.data as Record<string, string> | undefined) ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
    return { data, exists: !!s };
  };

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const src = from.configMapRef ? configMap(ref.name) : secret(ref.name);
    if (!src.exists) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(src.data)) env[(from.prefix ?? '') + k] = v;
  }

  for (const e of container.env ?? []) {
    if (e.value !== undefined || !e.valueFrom) {
      env[e.name] = expand(e.value ?? '', env, services);
      continue;
    }
    const { fieldRef, configMapKeyRef, secretKeyRef } = e.valueFrom;
    if (fieldRef) env[e.name] = fieldValue(pod, fieldRef.fieldPath, podIP, hostIP);
    const keyRef = configMapKeyRef ?? secretKeyRef;
    if (keyRef) {
      const kind = configMapKeyRef ? 'ConfigMap' : 'Secret';
      const src = configMapKeyRef ? configMap(keyRef.name) : secret(keyRef.name);
      if (!src.exists) {
        if (keyRef.optional) continue;
        throw new ContainerConfigError(`${kind.toLowerCase()} "${keyRef.name}" not found`);
      }
      if (!(keyRef.key in src.data)) {
        if (keyRef.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${kind} ${ns}/${keyRef.name}`);
      }
      env[e.name] = src.data[keyRef.key];
    }
  }
  for (const [k, v] of Object.entries(services)) if (!(k in env)) env[k] = v;
  return env;
}

function fieldValue(pod: Pod, path: string, podIP: string, hostIP: string): string {
  const m = path.match(/^metadata\.(labels|annotations)\['(.+)'\]$/);
  if (m) return (pod.metadata[m[1] as 'labels' | 'annotations'] ?? {})[m[2]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP': case 'status.podIPs': return podIP;
    case 'status.hostIP': case 'status.hostIPs': return hostIP;
    default: throw new ContainerConfigError(`unsupported fieldRef fieldPath "${path}"`);
  }
}

/** `$(VAR)` references to earlier variables (then the Services' variables), as Kubernetes expands them; `$$` escapes. */
function expand(value: string, env: Record<string, string>, services: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string | undefined) =>
    all === '$$' ? '$' : name !== undefined && name in env ? env[name] : name !== undefined && name in services ? services[name] : all);
}
