// The files the kubelet puts into every container: /etc/hosts, /etc/hostname, /etc/resolv.conf, the
// ServiceAccount token mount (token, ca.crt, namespace) and ConfigMap/Secret/emptyDir volumes at their
// volumeMounts — plus the image's own files. All content comes from the API, never from the host disk.
import type { ClusterApi } from '../../apiserver/api.js';
import type { Container, Pod } from '../kinds.js';
import type { DiskQuota } from './node-disk.js';
import { CLUSTER_DOMAIN } from '../dns.js';
import { MemoryFilesystem, normalizePath } from './filesystem.js';

export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** kubeadm's kube-dns clusterIP, what resolv.conf names when the cluster has no kube-dns Service. */
const DEFAULT_NAMESERVER = '10.96.0.10';

export interface PodFilesInput {
  api: ClusterApi;
  pod: Pod;
  container: Container;
  podIP: string;
  /** The image's files (path → content). */
  imageFiles?: Readonly<Record<string, string | Buffer>>;
  /** A token for the pod's ServiceAccount and the cluster CA, when the node can mint one. */
  serviceAccountToken?: () => { token: string; caPem: string } | undefined;
  /** The node's disk the container's writes are charged to (node-disk.ts). */
  disk?: DiskQuota;
}

interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[]; optional?: boolean };
  secret?: { secretName: string; items?: { key: string; path: string }[]; optional?: boolean };
  emptyDir?: unknown;
}

interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
}

/** The kubelet's /etc/hosts (pkg/kubelet/kubelet_pods.go managedHostsFileContent). */
export function hostsFile(podIP: string, hostname: string, subdomain?: string, namespace?: string): string {
  const own = subdomain && namespace ? `${podIP}\t${hostname}.${subdomain}.${namespace}.svc.${CLUSTER_DOMAIN}\t${hostname}` : `${podIP}\t${hostname}`;
  return ['# Kubernetes-managed hosts file.', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'fe00::0\tip6-mcastprefix', 'fe00::1\tip6-allnodes', 'fe00::2\tip6-allrouters', own, ''].join('\n');
}

/** ClusterFirst DNS: the namespace's search path, the cluster DNS Service, ndots:5 (pkg/kubelet/network/dns). */
export function resolvConf(namespace: string, nameserver: string): string {
  return `search ${namespace}.svc.${CLUSTER_DOMAIN} svc.${CLUSTER_DOMAIN} ${CLUSTER_DOMAIN}\nnameserver ${nameserver}\noptions ndots:5\n`;
}

/** The cluster DNS Service's address (kube-system/kube-dns), or kubeadm's default. */
export function clusterNameserver(api: ClusterApi): string {
  const svc = api.tryGet(api.type('', 'services'), 'kube-system', 'kube-dns');
  const ip = (svc?.spec as { clusterIP?: string } | undefined)?.clusterIP;
  return ip && ip !== 'None' ? ip : DEFAULT_NAMESERVER;
}

export function containerFilesystem(input: PodFilesInput): MemoryFilesystem {
  const { api, pod, container, podIP } = input;
  const fs = new MemoryFilesystem(undefined, undefined, input.disk);
  const put = (path: string, content: string | Buffer, mode?: number) => {
    const p = normalizePath(path);
    fs.mkdir(p.slice(0, p.lastIndexOf('/')) || '/');
    fs.write(p, Buffer.isBuffer(content) ? content : Buffer.from(content), mode);
  };
  for (const [path, content] of Object.entries(input.imageFiles ?? {})) put(path, content);

  const ns = pod.metadata.namespace;
  const hostname = typeof pod.spec.hostname === 'string' ? pod.spec.hostname : pod.metadata.name;
  const subdomain = typeof pod.spec.subdomain === 'string' ? pod.spec.subdomain : undefined;
  put('/etc/hosts', hostsFile(podIP, hostname, subdomain, ns));
  put('/etc/hostname', `${hostname}\n`);
  put('/etc/resolv.conf', resolvConf(ns, clusterNameserver(api)));

  const mounts = (container.volumeMounts as VolumeMount[] | undefined) ?? [];
  const volumes = (pod.spec.volumes as Volume[] | undefined) ?? [];
  for (const mount of mounts) {
    const volume = volumes.find((v) => v.name === mount.name);
    if (!volume || typeof mount.mountPath !== 'string') continue;
    // A subPath mount is one file at mountPath (often over an image's file, as nginx.conf): no directory there.
    if (!mount.subPath) fs.mkdir(mount.mountPath);
    const data = volumeData(api, ns, volume);
    if (!data) continue;
    for (const [path, content] of Object.entries(data)) {
      if (mount.subPath) {
        if (path === mount.subPath) put(mount.mountPath, content);
      } else put(`${mount.mountPath}/${path}`, content);
    }
  }

  if (automountsToken(api, pod) && !mounts.some((m) => normalizePath(m.mountPath) === SERVICE_ACCOUNT_MOUNT)) {
    const credentials = input.serviceAccountToken?.();
    fs.mkdir(SERVICE_ACCOUNT_MOUNT);
    if (credentials) {
      put(`${SERVICE_ACCOUNT_MOUNT}/token`, credentials.token);
      put(`${SERVICE_ACCOUNT_MOUNT}/ca.crt`, credentials.caPem);
    }
    put(`${SERVICE_ACCOUNT_MOUNT}/namespace`, ns);
  }
  return fs;
}

/** pod.spec.automountServiceAccountToken wins over the ServiceAccount's; both absent means mount. */
function automountsToken(api: ClusterApi, pod: Pod): boolean {
  if (typeof pod.spec.automountServiceAccountToken === 'boolean') return pod.spec.automountServiceAccountToken;
  const sa = api.tryGet(api.type('', 'serviceaccounts'), pod.metadata.namespace, pod.spec.serviceAccountName ?? 'default');
  return sa?.automountServiceAccountToken !== false;
}

/** A ConfigMap or Secret volume's files (key or item path → content); undefined for other volume kinds. */
function volumeData(api: ClusterApi, ns: string, volume: Volume): Record<string, Buffer> | undefined {
  let data: Record<string, Buffer> | undefined;
  let items: { key: string; path: string }[] | undefined;
  if (volume.configMap) {
    const cm = api.tryGet(api.type('', 'configmaps'), ns, volume.configMap.name);
    if (!cm) return undefined;
    data = {};
    for (const [k, v] of Object.entries((cm.data as Record<string, string> | undefined) ?? {})) data[k] = Buffer.from(v);
    for (const [k, v] of Object.entries((cm.binaryData as Record<string, string> | undefined) ?? {})) data[k] = Buffer.from(v, 'base64');
    items = volume.configMap.items;
  } else if (volume.secret) {
    const s = api.tryGet(api.type('', 'secrets'), ns, volume.secret.secretName);
    if (!s) return undefined;
    data = {};
    for (const [k, v] of Object.entries((s.data as Record<string, string> | undefined) ?? {})) data[k] = Buffer.from(v, 'base64');
    for (const [k, v] of Object.entries((s.stringData as Record<string, string> | undefined) ?? {})) data[k] = Buffer.from(v);
    items = volume.secret.items;
  } else return undefined;
  if (!items?.length) return data;
  const picked: Record<string, Buffer> = {};
  for (const item of items) if (data[item.key]) picked[item.path] = data[item.key];
  return picked;
}
