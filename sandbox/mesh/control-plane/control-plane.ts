// The mesh control plane, in-process: watches the cluster through ClusterApi (never polls), compiles the
// namespaces that changed into a new immutable MeshSnapshot, pushes it to every sidecar (the sandbox's
// xDS), writes HTTPRoute status, and issues workload certificates from the sandbox CA.
import type { ClusterApi } from '../../apiserver/api.js';
import type { ResourceType } from '../../apiserver/resources.js';
import type { KubeObject, WatchEvent } from '../../apiserver/store.js';
import type { MeshSnapshot, NamespaceConfig } from '../config/snapshot.js';
import { SandboxCA, type IssuedCertificate } from '../identity/ca.js';
import type { IdentityIssuer } from '../identity/workload-identity.js';
import { TapHub } from '../tap.js';
import { writeIstioStatus } from './istio/istio-status.js';
import { compileNamespace, type NamespaceObjects } from './namespace-compiler.js';
import { ISTIO_ROOT_NAMESPACE } from './istio/istio-root-namespace.js';
import { assembleSnapshot, isEmptyNamespace, istioRootOf } from './snapshot-assembly.js';
import { writeRouteStatus } from './route-status.js';
import { isServerParent } from './linkerd/linkerd-http-route-compiler.js';
import type { MeshProxyHandle, SidecarControlPlane } from '../proxy/sidecar.js';
import { SIDECAR_CONTAINER_NAME } from '../constants.js';
import { checkWindow, formatDeploymentStats, formatOutboundRouteStats, formatRouteStats, runStatQuery, type DeploymentStat, type OutboundRouteStat, type RouteStat, type StatOptions, type StatQuery } from './stat-view.js';

export interface ControlPlaneOptions {
  /** Workload certificate lifetime (default 24h, as Linkerd). */
  certificateTtlMs?: number;
  /** Coalesce bursts of watch events into one compile (default 5 ms). */
  compileDelayMs?: number;
  log?: (line: string) => void;
}

/**
 * What changed in one compile round, for a mirror that compiles the same inputs (the data-plane worker): each
 * namespace compiled this round with its objects (undefined: the namespace is gone), and the snapshot's version.
 */
export interface CompileInputs {
  version: number;
  namespaces: [string, NamespaceObjects | undefined][];
}

type Kind = Exclude<keyof NamespaceObjects, 'namespace'>;
const WATCHED: { kind: Kind | 'namespaces'; group: string; plural: string }[] = [
  { kind: 'namespaces', group: '', plural: 'namespaces' },
  { kind: 'services', group: '', plural: 'services' },
  { kind: 'endpoints', group: '', plural: 'endpoints' },
  { kind: 'pods', group: '', plural: 'pods' },
  { kind: 'configmaps', group: '', plural: 'configmaps' },
  { kind: 'httproutes', group: 'gateway.networking.k8s.io', plural: 'httproutes' },
  { kind: 'grpcroutes', group: 'gateway.networking.k8s.io', plural: 'grpcroutes' },
  { kind: 'trafficsplits', group: 'split.smi-spec.io', plural: 'trafficsplits' },
  { kind: 'traffictargets', group: 'access.smi-spec.io', plural: 'traffictargets' },
  { kind: 'httproutegroups', group: 'specs.smi-spec.io', plural: 'httproutegroups' },
  { kind: 'virtualservices', group: 'networking.istio.io', plural: 'virtualservices' },
  { kind: 'destinationrules', group: 'networking.istio.io', plural: 'destinationrules' },
  { kind: 'peerauthentications', group: 'security.istio.io', plural: 'peerauthentications' },
  { kind: 'istioAuthorizationPolicies', group: 'security.istio.io', plural: 'authorizationpolicies' },
  { kind: 'telemetries', group: 'telemetry.istio.io', plural: 'telemetries' },
  { kind: 'linkerdServers', group: 'policy.linkerd.io', plural: 'servers' },
  { kind: 'linkerdAuthorizationPolicies', group: 'policy.linkerd.io', plural: 'authorizationpolicies' },
  { kind: 'linkerdServerAuthorizations', group: 'policy.linkerd.io', plural: 'serverauthorizations' },
  { kind: 'meshTlsAuthentications', group: 'policy.linkerd.io', plural: 'meshtlsauthentications' },
  { kind: 'networkAuthentications', group: 'policy.linkerd.io', plural: 'networkauthentications' },
  { kind: 'linkerdHttpRoutes', group: 'policy.linkerd.io', plural: 'httproutes' },
];

const emptyObjects = (): NamespaceObjects => ({
  services: new Map(),
  endpoints: new Map(),
  pods: new Map(),
  httproutes: new Map(),
  grpcroutes: new Map(),
  trafficsplits: new Map(),
  traffictargets: new Map(),
  httproutegroups: new Map(),
  configmaps: new Map(),
  virtualservices: new Map(),
  destinationrules: new Map(),
  peerauthentications: new Map(),
  istioAuthorizationPolicies: new Map(),
  telemetries: new Map(),
  linkerdServers: new Map(),
  linkerdAuthorizationPolicies: new Map(),
  linkerdServerAuthorizations: new Map(),
  meshTlsAuthentications: new Map(),
  networkAuthentications: new Map(),
  linkerdHttpRoutes: new Map(),
});

export class MeshControlPlane implements IdentityIssuer, SidecarControlPlane {
  readonly tap = new TapHub();
  private objects = new Map<string, NamespaceObjects>();
  private compiled = new Map<string, NamespaceConfig>();
  private dependents = new Map<string, Set<string>>(); // namespace → namespaces whose routes refer to it
  private dirty = new Set<string>();
  private timer?: NodeJS.Timeout;
  private current: MeshSnapshot = { version: 0, namespaces: new Map(), podsByIP: new Map(), servicesByClusterIP: new Map() };
  private listeners = new Set<(s: MeshSnapshot) => void>();
  private inputListeners = new Set<(inputs: CompileInputs) => void>();
  private settleChecks = new Set<() => Promise<void>>();
  /** Where proxies that do not run on this thread answer stat queries (the data-plane worker). */
  private remoteStats?: (q: StatQuery) => Promise<unknown>;
  private proxies = new Set<MeshProxyHandle>();
  private unwatch: (() => void)[] = [];
  private httpRouteType?: ResourceType;
  private grpcRouteType?: ResourceType;
  private linkerdRouteType?: ResourceType;
  private virtualServiceType?: ResourceType;
  private destinationRuleType?: ResourceType;
  private stopped = false;
  /** SMI/route problems of the last compile per namespace (shown by diagnostics; never fatal). */
  readonly problems = new Map<string, string[]>();

  private constructor(
    readonly api: ClusterApi,
    private readonly ca: SandboxCA,
    readonly options: Required<Pick<ControlPlaneOptions, 'certificateTtlMs' | 'compileDelayMs'>> & ControlPlaneOptions,
  ) {}

  static async start(api: ClusterApi, opts: ControlPlaneOptions = {}): Promise<MeshControlPlane> {
    const ca = await SandboxCA.create();
    const cp = new MeshControlPlane(api, ca, { certificateTtlMs: 24 * 3_600_000, compileDelayMs: 5, ...opts });
    cp.watchAll();
    cp.flush();
    return cp;
  }

  get rootPem(): string {
    return this.ca.rootPem;
  }

  get certificateTtlMs(): number {
    return this.options.certificateTtlMs;
  }

  issue(spiffeId: string, publicKey: CryptoKey, ttlMs: number): Promise<IssuedCertificate> {
    return this.ca.issue(spiffeId, publicKey, ttlMs);
  }

  get snapshot(): MeshSnapshot {
    return this.current;
  }

  /** Called with every new snapshot (and once now with the current one). Returns the unsubscribe. */
  subscribe(listener: (s: MeshSnapshot) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once every change seen so far is compiled and pushed (for tests and tools). Rejects when changes are
   * still coming after `maxRounds` compile rounds (e.g. a status write that triggers itself), so a caller never goes on
   * with a config that has not settled.
   */
  async settled(maxRounds = 100): Promise<void> {
    for (let i = 0; i < maxRounds && (this.dirty.size || this.timer); i++) await new Promise((r) => setTimeout(r, this.options.compileDelayMs + 1));
    if (this.dirty.size || this.timer) {
      throw new Error(`mesh control plane did not settle within ${maxRounds} compile rounds; still changing: ${[...this.dirty].join(', ') || '(a compile is scheduled)'}`);
    }
    // Sidecars elsewhere (the data-plane worker) have applied the snapshot too.
    await Promise.all([...this.settleChecks].map((check) => check()));
  }

  /** `check` resolves once the proxies it stands for run the current snapshot; settled() waits for it. */
  addSettleCheck(check: () => Promise<void>): () => void {
    this.settleChecks.add(check);
    return () => this.settleChecks.delete(check);
  }

  /**
   * The objects every namespace compiles from (a copy of the map, the objects themselves shared): the starting point
   * of a mirror, which then follows onCompileInputs().
   */
  compileInputs(): CompileInputs {
    return { version: this.current.version, namespaces: [...this.objects] };
  }

  /** Called after each compile round with the namespaces it compiled and their objects. */
  onCompileInputs(listener: (inputs: CompileInputs) => void): () => void {
    this.inputListeners.add(listener);
    return () => this.inputListeners.delete(listener);
  }

  registerProxy(proxy: MeshProxyHandle): () => void {
    this.proxies.add(proxy);
    return () => this.proxies.delete(proxy);
  }

  /**
   * The stat views read the proxies that `source` stands for (the data-plane worker's) instead of those registered here.
   * A query is answered after everything the proxies did before it (one ordered channel), so a request answered
   * before a read is counted in it.
   */
  setRemoteStats(source: ((q: StatQuery) => Promise<unknown>) | undefined): void {
    this.remoteStats = source;
  }

  private async stat(q: StatQuery): Promise<unknown> {
    checkWindow(q.opts);
    return this.remoteStats ? this.remoteStats(q) : runStatQuery(q, this.proxies);
  }

  /** Ports of a pod's app containers (the sidecar's inbound listeners). */
  appPorts(namespace: string, pod: string): number[] {
    const spec = this.objects.get(namespace)?.pods.get(pod)?.spec as { containers?: { name?: string; ports?: { containerPort?: number }[] }[] } | undefined;
    return (spec?.containers ?? [])
      .filter((c) => c.name !== SIDECAR_CONTAINER_NAME)
      .flatMap((c) => (c.ports ?? []).map((p) => p.containerPort).filter((p): p is number => typeof p === 'number'));
  }

  /** Golden metrics per deployment of a namespace (`linkerd viz stat deploy -n <ns>`). */
  async statDeployments(namespace: string, opts: StatOptions = {}): Promise<DeploymentStat[]> {
    const counts = new Map<string, { meshedPods: number; totalPods: number }>();
    try {
      for (const d of this.api.list(this.api.type('apps', 'deployments'), namespace).items) counts.set(d.metadata.name!, { meshedPods: 0, totalPods: 0 });
    } catch {
      // No Deployment kind served: fall back to the deployments the pods name.
    }
    for (const p of this.current.namespaces.get(namespace)?.pods.values() ?? []) {
      if (!p.deployment) continue;
      const c = counts.get(p.deployment) ?? { meshedPods: 0, totalPods: 0 };
      c.totalPods++;
      if (p.meshed) c.meshedPods++;
      counts.set(p.deployment, c);
    }
    const deployments = [...counts].map(([name, c]) => ({ name, ...c })).sort((a, b) => a.name.localeCompare(b.name));
    return (await this.stat({ view: 'deployments', namespace, deployments, opts })) as DeploymentStat[];
  }

  /** Golden metrics per route, from the clients' side (`linkerd viz routes`). */
  async statRoutes(filter: { namespace: string; fromDeployment?: string; toService?: string }, opts: StatOptions = {}): Promise<RouteStat[]> {
    return (await this.stat({ view: 'routes', filter, opts })) as RouteStat[];
  }

  /** Per route after retries, with timeouts and retries (`linkerd viz stat-outbound`, Linkerd 2.16+'s route metrics). */
  async statOutbound(filter: { namespace: string; fromDeployment?: string; toService?: string }, opts: StatOptions = {}): Promise<OutboundRouteStat[]> {
    return (await this.stat({ view: 'outbound', filter, opts })) as OutboundRouteStat[];
  }

  async formatStatOutbound(filter: { namespace: string; fromDeployment?: string; toService?: string }, opts: StatOptions = {}): Promise<string> {
    return formatOutboundRouteStats(await this.statOutbound(filter, opts));
  }

  async formatStat(namespace: string, opts: StatOptions = {}): Promise<string> {
    return formatDeploymentStats(await this.statDeployments(namespace, opts));
  }

  async formatRoutes(filter: { namespace: string; fromDeployment?: string; toService?: string }, opts: StatOptions = {}): Promise<string> {
    return formatRouteStats(await this.statRoutes(filter, opts));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const u of this.unwatch) u();
    this.listeners.clear();
    this.tap.close();
  }

  private watchAll(): void {
    for (const w of WATCHED) {
      let type: ResourceType;
      try {
        type = this.api.type(w.group, w.plural);
      } catch {
        this.options.log?.(`mesh control plane: ${w.plural}.${w.group} is not served; skipping`);
        continue;
      }
      if (w.kind === 'httproutes') this.httpRouteType = type;
      if (w.kind === 'grpcroutes') this.grpcRouteType = type;
      if (w.kind === 'linkerdHttpRoutes') this.linkerdRouteType = type;
      if (w.kind === 'virtualservices') this.virtualServiceType = type;
      if (w.kind === 'destinationrules') this.destinationRuleType = type;
      this.unwatch.push(this.api.watch(type, undefined, undefined, (e) => this.onEvent(w.kind, e)));
    }
  }

  private onEvent(kind: Kind | 'namespaces', e: WatchEvent): void {
    const obj = e.object;
    const ns = kind === 'namespaces' ? obj.metadata.name! : obj.metadata.namespace!;
    let objs = this.objects.get(ns);
    if (!objs) this.objects.set(ns, (objs = emptyObjects()));
    if (kind === 'namespaces') {
      objs.namespace = e.type === 'DELETED' ? undefined : obj;
    } else if (e.type === 'DELETED') {
      objs[kind]?.delete(obj.metadata.name!);
    } else {
      (objs[kind] ??= new Map()).set(obj.metadata.name!, obj);
    }
    this.markDirty(ns);
    // Istio's root namespace's security policies apply mesh-wide: every namespace recompiles.
    if (ns === ISTIO_ROOT_NAMESPACE && (kind === 'peerauthentications' || kind === 'istioAuthorizationPolicies' || kind === 'telemetries')) for (const other of this.objects.keys()) this.markDirty(other);
    if (kind === 'services') for (const d of this.dependents.get(ns) ?? []) this.markDirty(d);
  }

  private markDirty(ns: string): void {
    this.dirty.add(ns);
    if (!this.timer && !this.stopped) {
      this.timer = setTimeout(() => this.flush(), this.options.compileDelayMs);
    }
  }

  private flush(): void {
    this.timer = undefined;
    if (this.stopped || this.dirty.size === 0) return;
    const dirty = [...this.dirty];
    this.dirty.clear();
    const statusWrites: (() => void)[] = [];
    const inputs: CompileInputs['namespaces'] = [];
    for (const ns of dirty) {
      const objs = this.objects.get(ns);
      if (!objs || (!objs.namespace && isEmptyNamespace(objs))) {
        this.compiled.delete(ns);
        this.objects.delete(ns);
        inputs.push([ns, undefined]);
        continue;
      }
      inputs.push([ns, objs]);
      try {
        const istioRoot = istioRootOf(this.objects);
        const result = compileNamespace(ns, objs, (otherNs, name) => this.objects.get(otherNs)?.services.get(name), istioRoot);
        this.compiled.set(ns, result.config);
        for (const dep of result.dependsOn) {
          const set = this.dependents.get(dep) ?? new Set();
          set.add(ns);
          this.dependents.set(dep, set);
        }
        if (result.problems.length) this.problems.set(ns, result.problems);
        else this.problems.delete(ns);
        for (const [name, parents] of result.routeStatus) {
          const route = objs.httproutes.get(name);
          if (route && this.httpRouteType) statusWrites.push(() => writeRouteStatus(this.api, this.httpRouteType!, route, parents));
        }
        for (const [name, parents] of result.grpcRouteStatus) {
          const route = objs.grpcroutes.get(name);
          if (route && this.grpcRouteType) statusWrites.push(() => writeRouteStatus(this.api, this.grpcRouteType!, route, parents));
        }
        for (const [name, parents] of result.linkerdRouteStatus) {
          const route = objs.linkerdHttpRoutes.get(name);
          const serverParent = (ref: Record<string, unknown>) => isServerParent({ name: String(ref.name ?? ''), kind: ref.kind as string | undefined, group: ref.group as string | undefined });
          if (route && this.linkerdRouteType) statusWrites.push(() => writeRouteStatus(this.api, this.linkerdRouteType!, route, parents, serverParent));
        }
        for (const [name, report] of result.virtualServiceReports) {
          const vs = objs.virtualservices.get(name);
          if (vs && this.virtualServiceType) statusWrites.push(() => writeIstioStatus(this.api, this.virtualServiceType!, vs, report));
        }
        for (const [name, report] of result.destinationRuleReports) {
          const dr = objs.destinationrules.get(name);
          if (dr && this.destinationRuleType) statusWrites.push(() => writeIstioStatus(this.api, this.destinationRuleType!, dr, report));
        }
      } catch (err) {
        // A compile bug must not take the mesh down: keep serving the namespace's last good config.
        this.options.log?.(`mesh control plane: compiling namespace ${ns} failed: ${(err as Error).stack}`);
      }
    }
    this.publish();
    for (const l of this.inputListeners) l({ version: this.current.version, namespaces: inputs });
    // After publishing: a status write emits a watch event synchronously, which only marks a namespace dirty.
    for (const write of statusWrites) {
      try {
        write();
      } catch (err) {
        this.options.log?.(`mesh control plane: writing route status failed: ${(err as Error).message}`);
      }
    }
  }

  private publish(): void {
    this.current = assembleSnapshot(this.compiled, this.current.version + 1);
    for (const l of this.listeners) {
      try {
        l(this.current);
      } catch (err) {
        this.options.log?.(`mesh control plane: a sidecar rejected a snapshot: ${(err as Error).message}`);
      }
    }
  }
}

export type { KubeObject };
