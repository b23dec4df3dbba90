// Istio DestinationRule → CompiledDestinationRule: the Service its `host` names (resolved as VirtualService hosts
// are), its subsets (named label sets a route's `destination.subset` selects endpoints by) and traffic policies
// (compiled by compileTrafficPolicy: top level, per port, per subset). Several rules for one host in one namespace
// are merged as Istio merges them: subsets added in creation order (a repeated subset name keeps the first), the
// oldest rule's traffic policy kept. `workloadSelector` and `exportTo` are not modelled (reported).
import type { KubeObject } from '../../../apiserver/store.js';
import type { CompiledDestinationRule, TrafficPolicy } from '../../config/snapshot.js';
import type { RouteLookups } from '../http-route-compiler.js';
import { resolveIstioHost } from './istio-host.js';
import { compileTrafficPolicy } from './traffic-policy-compiler.js';
import type { VirtualServiceReport } from './virtual-service-tables.js';

/** What became of one DestinationRule (written to its status, as a VirtualService's is). */
export type DestinationRuleReport = VirtualServiceReport;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const byAge = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

export function compileDestinationRule(dr: KubeObject, lookups: RouteLookups, problems: string[]): CompiledDestinationRule | undefined {
  const ns = dr.metadata.namespace ?? 'default';
  const name = dr.metadata.name ?? '';
  const where = `DestinationRule ${ns}/${name}`;
  const spec = isObj(dr.spec) ? dr.spec : {};
  const resolved = resolveIstioHost(typeof spec.host === 'string' ? spec.host : '', ns, (n, s) => lookups.service(n, s));
  if ('error' in resolved) {
    problems.push(`${where}: spec.host: ${resolved.error}`);
    return undefined;
  }
  if (spec.workloadSelector !== undefined) problems.push(`${where}: spec.workloadSelector is not supported by the sandbox mesh; the rule applies to every client`);
  const compiled: CompiledDestinationRule = { namespace: ns, name, host: { namespace: resolved.namespace, service: resolved.service }, subsets: new Map() };

  const top = isObj(spec.trafficPolicy) ? spec.trafficPolicy : undefined;
  if (top) {
    const policy = compileTrafficPolicy(top, `${where}: spec.trafficPolicy`, problems);
    if (policy) compiled.policy = policy;
    arr(top.portLevelSettings).forEach((raw, i) => {
      const setting = isObj(raw) ? raw : {};
      const port = isObj(setting.port) && typeof setting.port.number === 'number' ? setting.port.number : undefined;
      if (port === undefined) {
        problems.push(`${where}: spec.trafficPolicy.portLevelSettings[${i}].port.number is required`);
        return;
      }
      const portPolicy = compileTrafficPolicy(setting, `${where}: spec.trafficPolicy.portLevelSettings[${i}]`, problems);
      if (portPolicy) (compiled.portPolicies ??= new Map<number, TrafficPolicy>()).set(port, portPolicy);
    });
  }

  arr(spec.subsets).forEach((raw, i) => {
    const s = isObj(raw) ? raw : {};
    const subsetName = typeof s.name === 'string' ? s.name : '';
    if (!subsetName) return problems.push(`${where}: spec.subsets[${i}].name is required`);
    if (compiled.subsets.has(subsetName)) return problems.push(`${where}: spec.subsets[${i}]: subset ${JSON.stringify(subsetName)} is defined twice; the first is used`);
    const labels = isObj(s.labels) ? Object.fromEntries(Object.entries(s.labels).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
    const policy = isObj(s.trafficPolicy) ? compileTrafficPolicy(s.trafficPolicy, `${where}: spec.subsets[${i}].trafficPolicy`, problems) : undefined;
    compiled.subsets.set(subsetName, policy ? { labels, policy } : { labels });
  });
  return compiled;
}

/**
 * A namespace's DestinationRules by the `<namespace>/<service>` of their host (merged per host, oldest first), and
 * what became of each (by name).
 */
export function compileDestinationRules(
  rules: Iterable<KubeObject>,
  lookups: RouteLookups,
  problems: string[],
  dependsOn: Set<string>,
): { rules: Map<string, CompiledDestinationRule>; reports: Map<string, DestinationRuleReport> } {
  const out = new Map<string, CompiledDestinationRule>();
  const reports = new Map<string, DestinationRuleReport>();
  const merge = (compiled: CompiledDestinationRule, own: string[]) => {
    const key = `${compiled.host.namespace}/${compiled.host.service}`;
    const first = out.get(key);
    if (!first) return void out.set(key, compiled);
    // Istio merges rules for one host: the first's traffic policy, every subset (first definition of a name wins).
    for (const [n, s] of compiled.subsets) {
      if (first.subsets.has(n)) own.push(`DestinationRule ${compiled.namespace}/${compiled.name}: subset ${JSON.stringify(n)} of ${key} is already defined by DestinationRule ${first.namespace}/${first.name}; ignored`);
      else first.subsets.set(n, s);
    }
    if (compiled.policy || compiled.portPolicies) own.push(`DestinationRule ${compiled.namespace}/${compiled.name}: ${key} already has DestinationRule ${first.namespace}/${first.name} (older), whose trafficPolicy applies`);
  };
  for (const dr of [...rules].sort(byAge)) {
    const own: string[] = [];
    const report: DestinationRuleReport = { appliedTo: [], problems: own };
    reports.set(dr.metadata.name ?? '', report);
    const compiled = compileDestinationRule(dr, lookups, own);
    if (compiled) {
      report.appliedTo.push(`${compiled.host.namespace}/${compiled.host.service}`);
      if (compiled.host.namespace !== compiled.namespace) dependsOn.add(compiled.host.namespace);
      merge(compiled, own);
    }
    problems.push(...own);
  }
  return { rules: out, reports };
}
