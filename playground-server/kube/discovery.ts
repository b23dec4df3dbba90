// API discovery, cached: which resource types the cluster serves, so "deploy", "deployments.apps",
// "HTTPRoute" or an apiVersion/kind from a manifest resolve to a REST path, exactly as kubectl resolves them.
import { notFound } from '../api/errors.js';
import type { KubeHttp } from './kube-http.js';

export interface ApiResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  verbs: string[];
}

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; singularName?: string; namespaced: boolean; kind: string; verbs?: string[]; shortNames?: string[] }[];
}

interface ApiGroupList {
  groups: { name: string; preferredVersion?: { groupVersion: string; version: string }; versions: { groupVersion: string; version: string }[] }[];
}

/** How long discovery is trusted before a miss triggers a refresh (new CRDs appear). */
const REFRESH_AFTER_MS = 10_000;

export class ResourceDiscovery {
  private types: ApiResourceType[] = [];
  private groups = new Set<string>();
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(private readonly http: KubeHttp) {}

  private async load(): Promise<void> {
    const core = await this.http.json<ApiResourceList>({ path: '/api/v1' });
    const groupList = await this.http.json<ApiGroupList>({ path: '/apis' });
    const types: ApiResourceType[] = [];
    // Every served version is kept, the preferred one first: byName finds the preferred version (as kubectl get
    // does), byKind the version a manifest names (kubectl apply of a gateway.networking.k8s.io/v1beta1 HTTPRoute).
    const add = (list: ApiResourceList, group: string, version: string) => {
      for (const r of list.resources) {
        if (r.name.includes('/')) continue; // subresources
        types.push({ group, version, kind: r.kind, plural: r.name, singular: r.singularName || r.kind.toLowerCase(), shortNames: r.shortNames ?? [], namespaced: r.namespaced, verbs: r.verbs ?? [] });
      }
    };
    add(core, '', 'v1');
    const groups = new Set<string>(['']);
    await Promise.all(
      groupList.groups.map(async (g) => {
        groups.add(g.name);
        const preferred = g.preferredVersion?.version ?? g.versions[0]?.version;
        const ordered = [...g.versions].sort((a, b) => (a.version === preferred ? -1 : b.version === preferred ? 1 : 0));
        for (const v of ordered) {
          const list = await this.http.json<ApiResourceList>({ path: `/apis/${g.name}/${v.version}` }).catch(() => undefined);
          if (list) add(list, g.name, v.version);
        }
      }),
    );
    this.types = types;
    this.groups = groups;
    this.loadedAt = Date.now();
  }

  private async ensure(force = false): Promise<void> {
    if (!force && this.loadedAt) return;
    if (force && Date.now() - this.loadedAt < REFRESH_AFTER_MS && this.loadedAt) return;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    await this.loading;
  }

  /** Every served type (the preferred version of each), as loaded. */
  async all(): Promise<readonly ApiResourceType[]> {
    await this.ensure();
    return this.types;
  }

  async hasGroup(group: string): Promise<boolean> {
    await this.ensure();
    return this.groups.has(group);
  }

  /** A manifest's apiVersion + kind → its type (refreshing once on a miss). */
  async byKind(apiVersion: string, kind: string): Promise<ApiResourceType> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const find = () => this.types.find((t) => t.group === group && t.version === version && t.kind === kind);
    await this.ensure();
    let t = find();
    if (!t) {
      await this.ensure(true);
      t = find();
    }
    if (!t) throw notFound('UnknownKind', `the cluster has no kind "${kind}" in "${apiVersion}"; check apiVersion and kind (kubectl api-resources lists them)`);
    return t;
  }

  /** A name as kubectl accepts it: plural, singular, kind or short name, optionally qualified by group. */
  async byName(name: string): Promise<ApiResourceType> {
    const lower = name.toLowerCase();
    const dot = lower.indexOf('.');
    const base = dot >= 0 ? lower.slice(0, dot) : lower;
    const group = dot >= 0 ? lower.slice(dot + 1) : undefined;
    const find = () =>
      this.types.find(
        (t) => (group === undefined || t.group === group) && (t.plural === base || t.singular === base || t.kind.toLowerCase() === base || t.shortNames.includes(base)),
      );
    await this.ensure();
    let t = find();
    if (!t) {
      await this.ensure(true);
      t = find();
    }
    if (!t) throw notFound('UnknownResourceType', `the server doesn't have a resource type "${name}" (try deployments, pods, services, httproutes)`);
    return t;
  }
}

/** The REST path of a collection or object. */
export function resourcePath(t: ApiResourceType, namespace: string | undefined, name?: string): string {
  const root = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = t.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${t.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
