// Discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>) and /version — what kubectl's RESTMapper,
// `kubectl api-resources` and client libraries read to learn the served kinds.
import type { ResourceRegistry, ResourceType } from './resources.js';
import { apiVersionOf } from './resources.js';
import { StatusError } from './errors.js';
import { REVIEW_TYPES } from './handlers/review-handlers.js';

export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0' };

export function versionInfo(): Record<string, string> {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: 'mesh-playground-sandbox',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = v.match(/^v(\d+)(?:(alpha|beta)(\d+))?$/);
    if (!m) return [0, 0, 0];
    const level = m[2] === 'alpha' ? 1 : m[2] === 'beta' ? 2 : 3;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
  return a.localeCompare(b);
}

export function allTypes(registry: ResourceRegistry): ResourceType[] {
  return [...registry.types, ...REVIEW_TYPES];
}

export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupVersionsOf(types: ResourceType[], group: string): string[] {
  return [...new Set(types.filter((t) => t.group === group).map((t) => t.version))].sort(compareVersions);
}

function apiGroup(types: ResourceType[], group: string): Record<string, unknown> {
  const versions = groupVersionsOf(types, group).map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function groupList(registry: ResourceRegistry): Record<string, unknown> {
  const types = allTypes(registry);
  const groups = [...new Set(types.map((t) => t.group).filter((g) => g !== ''))].sort();
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => apiGroup(types, g)) };
}

export function group(registry: ResourceRegistry, name: string): Record<string, unknown> {
  const types = allTypes(registry);
  if (!types.some((t) => t.group === name)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(types, name) };
}

export function resourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> {
  const types = allTypes(registry).filter((t) => t.group === group && t.version === version);
  if (!types.length) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const entry: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
    };
    if (t.shortNames.length) entry.shortNames = t.shortNames;
    if (t.categories.length) entry.categories = t.categories;
    resources.push(entry);
    const sub = (name: string, verbs: string[], extra: Record<string, unknown> = {}) =>
      resources.push({ name: `${t.plural}/${name}`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs, ...extra });
    if (t.subresources.status) sub('status', ['get', 'patch', 'update']);
    if (t.subresources.scale) sub('scale', ['get', 'patch', 'update'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
    if (t.subresources.log) sub('log', ['get']);
    if (t.subresources.proxy) sub('proxy', ['create', 'delete', 'get', 'patch', 'update'], { kind: `${t.kind}ProxyOptions` });
    // pods/exec, attach, portforward: `create` (SPDY POST, and WebSocket GETs since 1.30) and `get`, as upstream lists them.
    if (t.subresources.attach) sub('attach', ['create', 'get'], { kind: 'PodAttachOptions' });
    if (t.subresources.exec) sub('exec', ['create', 'get'], { kind: 'PodExecOptions' });
    if (t.subresources.portforward) sub('portforward', ['create', 'get'], { kind: 'PodPortForwardOptions' });
    // pods/ephemeralcontainers: the Pod, read and written for its spec.ephemeralContainers only (kubectl debug).
    if (t.subresources.ephemeralcontainers) sub('ephemeralcontainers', ['get', 'patch', 'update']);
    if (t.subresources.token) sub('token', ['create'], { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group, version }), resources };
}
