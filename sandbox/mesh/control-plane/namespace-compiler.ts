// One namespace's cluster objects → its NamespaceConfig (services with live endpoints, pods with identities,
// producer/consumer route tables, splits, access rules) plus the status each HTTPRoute should carry.
import type { KubeObject } from '../../apiserver/store.js';
import type { CompiledRule, MeshEndpoint, NamespaceConfig, PodInfo, RouteTable, ServiceEntry, ServicePortEntry } from '../config/snapshot.js';
import { MTLS_ANNOTATION, SIDECAR_CONTAINER_NAME } from '../constants.js';
import { spiffeId } from '../identity/spiffe.js';
import { compileHttpRoute, type CompiledHttpRoute, type RouteLookups, type RouteParentStatus, type ServiceFacts } from './http-route-compiler.js';
import { compileGrpcRoute } from './grpc-route-compiler.js';
import { isAccepted } from './route-parents.js';
import { compareEntries, type RankedEntry } from './route-precedence.js';
import { compileRouteGroup, compileTrafficSplit, compileTrafficTargets } from './smi-compiler.js';
import { podInboundPolicy, type InboundLayerSource } from './inbound/pod-inbound-policy.js';
import { smiAccessLayer } from './inbound/smi-access-layer.js';
import { compileLinkerdPolicy } from './linkerd/namespace-policy.js';
import { linkerdInboundLayer } from './linkerd/linkerd-inbound-layer.js';
import { compileLinkerdHttpRoute, hasOutboundParents } from './linkerd/linkerd-http-route-compiler.js';
import { linkerdRoutePolicy, NO_LINKERD_POLICY, type LinkerdRoutePolicy } from './linkerd/route-annotations.js';
import { defaultRulePolicy, withLinkerdPolicy } from './linkerd/route-policy.js';
import { attachVirtualServices, type VirtualServiceReport } from './istio/virtual-service-tables.js';
import { compileDestinationRules } from './istio/destination-rule-compiler.js';
import { istioSecurity } from './istio/istio-security.js';
import type { IstioRootObjects } from './istio/istio-root-namespace.js';
import { accessLogEnabled } from './istio/telemetry-access-log.js';

/** The objects of one namespace, by kind then name (what the control plane's watches keep). */
export interface NamespaceObjects {
  namespace?: KubeObject;
  services: Map<string, KubeObject>;
  endpoints: Map<string, KubeObject>;
  pods: Map<string, KubeObject>;
  httproutes: Map<string, KubeObject>;
  grpcroutes: Map<string, KubeObject>;
  trafficsplits: Map<string, KubeObject>;
  traffictargets: Map<string, KubeObject>;
  httproutegroups: Map<string, KubeObject>;
  configmaps: Map<string, KubeObject>;
  // Istio (networking.istio.io, security.istio.io)
  virtualservices: Map<string, KubeObject>;
  destinationrules: Map<string, KubeObject>;
  peerauthentications: Map<string, KubeObject>;
  istioAuthorizationPolicies: Map<string, KubeObject>;
  /** telemetry.istio.io Telemetry (its accessLogging). */
  telemetries?: Map<string, KubeObject>;
  // Linkerd (policy.linkerd.io)
  linkerdServers: Map<string, KubeObject>;
  linkerdAuthorizationPolicies: Map<string, KubeObject>;
  linkerdServerAuthorizations: Map<string, KubeObject>;
  meshTlsAuthentications: Map<string, KubeObject>;
  networkAuthentications: Map<string, KubeObject>;
  linkerdHttpRoutes: Map<string, KubeObject>;
}

export interface NamespaceCompileResult {
  config: NamespaceConfig;
  /** Desired status.parents (this mesh's entries only) by HTTPRoute name. */
  routeStatus: Map<string, RouteParentStatus[]>;
  /** The same for GRPCRoutes. */
  grpcRouteStatus: Map<string, RouteParentStatus[]>;
  /** The same for policy.linkerd.io HTTPRoutes (their Service parents only; Server parents are inbound routes). */
  linkerdRouteStatus: Map<string, RouteParentStatus[]>;
  /** What became of each VirtualService, by name (written to its status). */
  virtualServiceReports: Map<string, VirtualServiceReport>;
  /** The same for DestinationRules. */
  destinationRuleReports: Map<string, VirtualServiceReport>;
  /** Namespaces the HTTPRoutes here depend on (parents and backends elsewhere). */
  dependsOn: Set<string>;
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function servicePorts(svc: KubeObject): { port: number; name?: string; appProtocol?: string; targetPort?: number | string }[] {
  const spec = isObj(svc.spec) ? svc.spec : {};
  return arr(spec.ports).flatMap((p) =>
    isObj(p) && typeof p.port === 'number'
      ? [{ port: p.port, name: typeof p.name === 'string' ? p.name : undefined, appProtocol: typeof p.appProtocol === 'string' ? p.appProtocol : undefined, targetPort: p.targetPort as number | string | undefined }]
      : [],
  );
}

export function compileNamespace(
  name: string,
  objs: NamespaceObjects,
  /** Services of other namespaces (for consumer routes and cross-namespace backends). */
  serviceElsewhere: (namespace: string, name: string) => KubeObject | undefined,
  /** Istio's root namespace's PeerAuthentications and AuthorizationPolicies (they apply mesh-wide). */
  istioRoot?: IstioRootObjects,
): NamespaceCompileResult {
  const problems: string[] = [];
  const nsAnnotations = objs.namespace?.metadata.annotations ?? {};
  const nsMtls = mtlsSetting(nsAnnotations[MTLS_ANNOTATION], `namespace ${name}`, problems);

  const groupCache = new Map<string, ReturnType<typeof compileRouteGroup>>();
  const groups = (n: string) => {
    if (!groupCache.has(n)) {
      const g = objs.httproutegroups.get(n);
      if (!g) return undefined;
      groupCache.set(n, compileRouteGroup(g, problems));
    }
    return groupCache.get(n);
  };
  const access = compileTrafficTargets([...objs.traffictargets.values()], groups, problems);

  const istio = istioSecurity(name, objs.peerauthentications, objs.istioAuthorizationPolicies, istioRoot, problems);
  const pods = new Map<string, PodInfo>();
  const linkerd = compileLinkerdPolicy(name, objs, problems);
  const inboundSources: InboundLayerSource[] = [
    ...istio.sources,
    (p) => linkerdInboundLayer(p, objs.pods.get(p.name), linkerd, problems),
    (p) => {
      const rules = access.get(p.serviceAccount);
      return rules?.length ? smiAccessLayer(name, p.serviceAccount, rules) : undefined;
    },
  ];
  const telemetryProblems: string[] = [];
  for (const pod of objs.pods.values()) {
    const info = podInfo(pod, nsMtls, problems);
    if (!info) continue;
    istio.applyMtls(info);
    if (info.meshed && accessLogEnabled(info, objs.telemetries?.values() ?? [], istioRoot?.telemetries ?? [], telemetryProblems)) info.accessLog = true;
    info.inbound = podInboundPolicy(info, inboundSources);
    pods.set(info.name, info);
  }
  problems.push(...new Set(telemetryProblems));
  const podByIP = new Map<string, PodInfo>();
  for (const p of pods.values()) podByIP.set(p.ip, p);

  // Linkerd's retry/timeout annotations per Service (this namespace's and, for consumer routes, others'): the
  // defaults of every route to the Service and of its default route.
  const servicePolicies = new Map<string, LinkerdRoutePolicy>();
  const servicePolicy = (ns: string, n: string): LinkerdRoutePolicy | undefined => {
    const key = `${ns}/${n}`;
    let policy = servicePolicies.get(key);
    if (!policy) {
      const svc = ns === name ? objs.services.get(n) : serviceElsewhere(ns, n);
      if (!svc) return undefined;
      policy = linkerdRoutePolicy(svc.metadata.annotations);
      if (ns === name) for (const p of policy.problems) problems.push(`Service ${key}: ${p}`);
      servicePolicies.set(key, policy);
    }
    return policy;
  };
  const services = new Map<string, ServiceEntry>();
  for (const svc of objs.services.values()) {
    const entry = serviceEntry(svc, objs.endpoints.get(svc.metadata.name!), pods, podByIP);
    const defaults = defaultRulePolicy(servicePolicy(name, entry.name) ?? NO_LINKERD_POLICY);
    if (defaults) entry.defaultPolicy = defaults;
    services.set(entry.name, entry);
  }

  const lookups: RouteLookups = {
    service(ns: string, n: string): ServiceFacts | undefined {
      const svc = ns === name ? objs.services.get(n) : serviceElsewhere(ns, n);
      return svc ? { ports: servicePorts(svc), annotations: svc.metadata.annotations } : undefined;
    },
    configMap(ns: string, n: string) {
      if (ns !== name) return undefined;
      const cm = objs.configmaps.get(n);
      return cm ? ((isObj(cm.data) ? cm.data : {}) as Record<string, string>) : undefined;
    },
    linkerdServer: (ns: string, n: string) => ns === name && objs.linkerdServers.has(n),
  };
  const producer = new Map<string, RankedEntry[]>();
  const consumer = new Map<string, RankedEntry[]>();
  const portsOf = new Map<string, Set<number> | 'all'>();
  const routeStatus = new Map<string, RouteParentStatus[]>();
  const grpcRouteStatus = new Map<string, RouteParentStatus[]>();
  const linkerdRouteStatus = new Map<string, RouteParentStatus[]>();
  const dependsOn = new Set<string>();
  const brokenFilter = brokenMeshFeature();
  // GRPCRoutes first: on a Service port both kinds attach to, the GRPCRoute wins and the HTTPRoute is rejected
  // (GEP-1294 "Route types": only one route type applies per Service and port; GRPCRoute comes first).
  const grpcPorts = new Map<string, Set<number> | 'all'>();
  const attach = (compiled: CompiledHttpRoute, kind: 'HTTPRoute' | 'GRPCRoute', route: KubeObject) => {
    const routePolicy = linkerdRoutePolicy(route.metadata.annotations);
    for (const p of routePolicy.problems) problems.push(`${route.kind ?? kind} ${name}/${route.metadata.name}: ${p}`);
    for (const p of compiled.parents) if (p.parentRef.namespace && p.parentRef.namespace !== name) dependsOn.add(p.parentRef.namespace);
    const accepted = compiled.parents.filter(isAccepted); // attachments are made in this order, one per accepted parent
    compiled.attachments.forEach((a, i) => {
      const key = a.namespace === name ? a.service : `${a.namespace}/${a.service}`;
      const scope = `${a.namespace === name ? 'producer' : 'consumer'}|${key}`;
      const grpc = grpcPorts.get(scope);
      if (kind === 'GRPCRoute') {
        grpcPorts.set(scope, a.port === undefined || grpc === 'all' ? 'all' : new Set([...(grpc ?? []), a.port]));
      } else if (grpc && (grpc === 'all' || a.port === undefined || grpc.has(a.port))) {
        const cond = accepted[i]?.conditions.find((c) => c.type === 'Accepted');
        if (cond) {
          Object.assign(cond, {
            status: 'False',
            reason: 'Conflicted',
            message: `a GRPCRoute is attached to Service "${a.namespace}/${a.service}" ${a.port === undefined ? 'on a port this route covers' : `port ${a.port}`}: only one route type applies per Service port, and GRPCRoute takes precedence over HTTPRoute (GEP-1294); attach this route to another port (parentRefs[].port) or remove the GRPCRoute`,
          });
        }
        return;
      }
      for (const e of a.entries) for (const b of e.rule.backends) if (b.namespace !== name) dependsOn.add(b.namespace);
      const target = a.namespace === name ? producer : consumer;
      const list = target.get(key) ?? [];
      // Linkerd's annotations: the route's, else the parent Service's (one derived rule per rule and parent).
      const parentPolicy = servicePolicy(a.namespace, a.service);
      const derived = new Map<CompiledRule, CompiledRule>();
      for (const e of a.entries) {
        let rule = derived.get(e.rule);
        if (!rule) derived.set(e.rule, (rule = withLinkerdPolicy(e.rule, routePolicy, parentPolicy)));
        list.push(rule === e.rule ? e : { ...e, rule });
      }
      target.set(key, list);
      const prev = portsOf.get(key);
      if (a.port === undefined || prev === 'all') portsOf.set(key, 'all');
      else portsOf.set(key, new Set([...(prev ?? []), a.port]));
    });
  };
  for (const stored of objs.grpcroutes.values()) {
    const route = brokenFilter ? withoutFilter(stored, brokenFilter) : stored;
    const compiled = compileGrpcRoute(route, lookups);
    grpcRouteStatus.set(route.metadata.name!, compiled.parents);
    attach(compiled, 'GRPCRoute', route);
  }
  for (const stored of objs.httproutes.values()) {
    const route = brokenFilter ? withoutFilter(stored, brokenFilter) : stored;
    const compiled = compileHttpRoute(route, lookups);
    routeStatus.set(route.metadata.name!, compiled.parents);
    attach(compiled, 'HTTPRoute', route);
  }
  // policy.linkerd.io HTTPRoutes share the Gateway API HTTPRoutes' tables, as in Linkerd's outbound index (one map of
  // HTTP routes per Service port, either group): matches rank by Gateway API precedence, ties go to the oldest route,
  // then by name; a GRPCRoute on the same port wins over both (Conflicted), as Linkerd's status controller decides.
  for (const route of objs.linkerdHttpRoutes.values()) {
    if (!hasOutboundParents(route)) continue; // inbound only (Server parents): not this compiler's
    const compiled = compileLinkerdHttpRoute(route, lookups);
    linkerdRouteStatus.set(route.metadata.name!, compiled.parents);
    attach(compiled, 'HTTPRoute', route);
  }
  const tables = (m: Map<string, RankedEntry[]>) =>
    new Map<string, RouteTable>([...m].map(([k, entries]) => [k, { entries: entries.sort(compareEntries), ports: portsOf.get(k) ?? 'all' }]));

  const splits = new Map<string, RouteTable>();
  for (const split of objs.trafficsplits.values()) {
    const compiled = compileTrafficSplit(split, groups, (n) => objs.services.has(n), problems);
    if (!compiled) continue;
    if (splits.has(compiled.apex)) problems.push(`TrafficSplit ${name}/${split.metadata.name}: another TrafficSplit already splits "${compiled.apex}"; ignored`);
    else splits.set(compiled.apex, compiled.table);
  }

  const producerRoutes = tables(producer);
  const consumerRoutes = tables(consumer);
  // Istio: VirtualServices after the Gateway API routes (which win on a Service port both attach to).
  const virtualServiceReports = attachVirtualServices(name, objs.virtualservices.values(), lookups, { producer: producerRoutes, consumer: consumerRoutes }, problems, dependsOn);
  const { rules: destinationRules, reports: destinationRuleReports } = compileDestinationRules(objs.destinationrules.values(), lookups, problems, dependsOn);

  const config: NamespaceConfig = {
    name,
    labels: objs.namespace?.metadata.labels ?? {},
    annotations: nsAnnotations,
    services,
    pods,
    producerRoutes,
    consumerRoutes,
    splits,
    access,
    destinationRules,
  };
  return { config, routeStatus, grpcRouteStatus, linkerdRouteStatus, virtualServiceReports, destinationRuleReports, dependsOn, problems };
}

/**
 * TEST-ONLY: `PLAYGROUND_TEST_BREAK_MESH_FEATURE=<HTTPRoute filter type>` (e.g. RequestHeaderModifier) makes the
 * control plane ignore that filter wherever a route has it (rules and backendRefs), so a test can prove the
 * conformance runner turns the matching tests red. Never set it outside tests: the mesh then misbehaves on purpose.
 */
export const BREAK_MESH_FEATURE_ENV = 'PLAYGROUND_TEST_BREAK_MESH_FEATURE';

function brokenMeshFeature(): string | undefined {
  const value = process.env[BREAK_MESH_FEATURE_ENV];
  return value && /^[A-Za-z]{1,64}$/.test(value) ? value : undefined;
}

function withoutFilter(route: KubeObject, filterType: string): KubeObject {
  const copy = structuredClone(route);
  const strip = (holder: unknown) => {
    if (isObj(holder) && Array.isArray(holder.filters)) holder.filters = holder.filters.filter((f) => !(isObj(f) && f.type === filterType));
  };
  const spec = isObj(copy.spec) ? copy.spec : {};
  for (const rule of arr(spec.rules)) {
    strip(rule);
    if (isObj(rule)) for (const backend of arr(rule.backendRefs)) strip(backend);
  }
  return copy;
}

/** The mTLS opt-out annotation's value: 'enabled', 'disabled', or undefined when absent (invalid values are reported and ignored). */
function mtlsSetting(value: string | undefined, where: string, problems: string[]): 'enabled' | 'disabled' | undefined {
  if (value === undefined) return undefined;
  if (value === 'enabled' || value === 'disabled') return value;
  problems.push(`${where}: annotation ${MTLS_ANNOTATION} must be "enabled" or "disabled" (got ${JSON.stringify(value)}); ignored`);
  return undefined;
}

function podInfo(pod: KubeObject, nsMtls: 'enabled' | 'disabled' | undefined, problems: string[]): PodInfo | undefined {
  const status = isObj(pod.status) ? pod.status : {};
  const spec = isObj(pod.spec) ? pod.spec : {};
  const ip = typeof status.podIP === 'string' ? status.podIP : undefined;
  if (!ip) return undefined;
  const ns = pod.metadata.namespace!;
  const sa = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
  const meshed = arr(spec.containers).some((c) => isObj(c) && c.name === SIDECAR_CONTAINER_NAME);
  const mtls = mtlsSetting(pod.metadata.annotations?.[MTLS_ANNOTATION], `pod ${ns}/${pod.metadata.name}`, problems) ?? nsMtls;
  return {
    namespace: ns,
    name: pod.metadata.name!,
    ip,
    serviceAccount: sa,
    identity: meshed ? spiffeId(ns, sa) : undefined,
    meshed,
    deployment: deploymentOf(pod),
    mtlsDisabled: meshed && mtls === 'disabled',
    labels: { ...(pod.metadata.labels ?? {}) },
  };
}

/** Deployment name from the owning ReplicaSet `<deploy>-<pod-template-hash>`; else the app label. */
export function deploymentOf(pod: KubeObject): string | undefined {
  const rs = pod.metadata.ownerReferences?.find((o) => o.kind === 'ReplicaSet');
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (rs && hash && rs.name.endsWith(`-${hash}`)) return rs.name.slice(0, -hash.length - 1);
  if (rs) return rs.name.replace(/-[a-z0-9]{5,10}$/, '');
  return pod.metadata.labels?.app;
}

function serviceEntry(svc: KubeObject, endpoints: KubeObject | undefined, pods: Map<string, PodInfo>, podByIP: Map<string, PodInfo>): ServiceEntry {
  const spec = isObj(svc.spec) ? svc.spec : {};
  const clusterIP = typeof spec.clusterIP === 'string' && spec.clusterIP !== 'None' ? spec.clusterIP : undefined;
  const ports: ServicePortEntry[] = servicePorts(svc).map((p, _i, all) => {
    const eps: MeshEndpoint[] = [];
    for (const subset of arr(endpoints?.subsets)) {
      if (!isObj(subset)) continue;
      const epPorts = arr(subset.ports).filter(isObj);
      const match =
        epPorts.find((ep) => p.name !== undefined && ep.name === p.name) ??
        (all.length === 1 && epPorts.length === 1 ? epPorts[0] : undefined) ??
        epPorts.find((ep) => ep.name === undefined && ep.port === (typeof p.targetPort === 'number' ? p.targetPort : p.port));
      if (!match || typeof match.port !== 'number') continue;
      for (const a of arr(subset.addresses)) {
        if (!isObj(a) || typeof a.ip !== 'string') continue;
        const ref = isObj(a.targetRef) ? a.targetRef : undefined;
        const byRef = ref && typeof ref.name === 'string' ? pods.get(ref.name) : undefined;
        const pod = byRef?.ip === a.ip ? byRef : podByIP.get(a.ip);
        // Only this namespace's pods are endpoints: hand-written Endpoints naming any other address are never dialled.
        if (!pod) continue;
        eps.push({ ip: a.ip, port: match.port, pod });
      }
    }
    return { port: p.port, name: p.name, appProtocol: p.appProtocol, endpoints: eps };
  });
  return { namespace: svc.metadata.namespace!, name: svc.metadata.name!, clusterIP, ports };
}
