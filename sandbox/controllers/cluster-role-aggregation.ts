// ClusterRoles with an aggregationRule get the union of the rules of the ClusterRoles their selectors match
// (by name order, without duplicates), as the clusterrole-aggregation controller keeps them: how admin, edit
// and view grow when a CRD's roles are labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"`.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import { compileLabelSelector, type LabelSelector } from '../apiserver/selectors.js';
import { WorkQueue } from './work-queue.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function selectorsOf(role: KubeObject): LabelSelector[] | undefined {
  const rule = role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined;
  return rule ? rule.clusterRoleSelectors ?? [] : undefined;
}

/** The rules an aggregated ClusterRole should have, given every ClusterRole. */
export function aggregatedRules(role: KubeObject, all: KubeObject[]): unknown[] {
  const rules: unknown[] = [];
  for (const selector of selectorsOf(role) ?? []) {
    const matches = compileLabelSelector(selector);
    const selected = all.filter((r) => r.metadata.name !== role.metadata.name && matches(r.metadata.labels ?? {}));
    selected.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const r of selected) for (const rule of Array.isArray(r.rules) ? r.rules : []) if (!rules.some((x) => isDeepStrictEqual(x, rule))) rules.push(rule);
  }
  return rules;
}

export class ClusterRoleAggregationController {
  private queue = new WorkQueue('clusterrole-aggregation', (name) => this.reconcile(name));
  private unwatch?: () => void;

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    // Any ClusterRole change may change what an aggregated role selects: recheck every aggregated role.
    this.unwatch = this.api.watch(this.api.type(RBAC_GROUP, 'clusterroles'), undefined, undefined, () => {
      for (const r of this.api.list(this.api.type(RBAC_GROUP, 'clusterroles')).items) if (selectorsOf(r)) this.queue.add(r.metadata.name!);
    });
  }

  stop(): void {
    this.unwatch?.();
    this.queue.stop();
  }

  private reconcile(name: string): void {
    const type = this.api.type(RBAC_GROUP, 'clusterroles');
    const role = this.api.tryGet(type, undefined, name);
    if (!role || !selectorsOf(role)) return;
    const rules = aggregatedRules(role, this.api.list(type).items);
    if (isDeepStrictEqual(rules, role.rules ?? [])) return;
    this.api.update(type, { ...role, rules });
  }
}
