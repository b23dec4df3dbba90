// The runner's cluster in session mode: every request goes through the session's own (namespace-scoped) Kubernetes
// credentials, every object is mapped into the session namespace by session-scope.ts before it is applied, nothing
// the learner already has is taken over, and everything the run applied is remembered so it can be deleted at the end
// (never the namespace itself). Pods are awaited only for the Deployments the run applied: a learner's own broken
// pod must not fail the run.
import { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from '../api/errors.js';
import type { ApplyObject } from '../kube/apply.js';
import { ClusterConnection } from '../kube/cluster-connection.js';
import { resourcePath } from '../kube/discovery.js';
import { CONFORMANCE_FIELD_MANAGER, ConformanceCluster, PODS_READY_TIMEOUT_MS, type ObjectRef } from './cluster-client.js';
import type { ExecTarget } from './pod-exec.js';
import { OutsideSessionError, UNAVAILABLE_NAMESPACES, mapNamespace, scopeObjects } from './session-scope.js';

const POLL_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (r: ObjectRef) => `${r.apiVersion}/${r.kind}/${r.name}`;

interface Existing {
  metadata?: { managedFields?: { manager?: string }[] };
}

export class SessionConformanceCluster extends ConformanceCluster {
  /** What this run applied and has not deleted yet, in apply order. */
  private readonly applied = new Map<string, ObjectRef>();
  /** The pod selectors of the Deployments this run applied. */
  private readonly podSelectors = new Map<string, string>();

  constructor(
    connection: ClusterConnection,
    readonly namespace: string,
  ) {
    // Namespaces are never applied in a session; the session's own is already labelled for injection.
    super(connection, { labels: {}, annotations: {} });
  }

  /** A runner cluster speaking with the session's kubeconfig (its ServiceAccount token), never the server's admin. */
  static forSession(kubeconfigYaml: string, namespace: string): SessionConformanceCluster {
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml);
    return new SessionConformanceCluster(new ClusterConnection(kc), namespace);
  }

  override async apply(objects: ApplyObject[]): Promise<ObjectRef[]> {
    const refs: ObjectRef[] = [];
    for (const obj of scopeObjects(objects, this.namespace)) {
      const type = await this.connection.discovery.byKind(obj.apiVersion, obj.kind);
      if (!type.namespaced) throw new OutsideSessionError(`${obj.kind} ${obj.metadata.name} is cluster-scoped; a session run applies namespaced objects only`);
      const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: this.namespace };
      if (!this.applied.has(key(ref))) await this.refuseTakeover(ref, resourcePath(type, this.namespace, ref.name));
      refs.push(...(await super.apply([obj])));
      this.applied.set(key(ref), ref);
      const selector = obj.kind === 'Deployment' ? (obj.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels : undefined;
      if (selector) this.podSelectors.set(ref.name, Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(','));
    }
    return refs;
  }

  /** The learner's own object of the same name stays the learner's: the run stops instead of overwriting it. */
  private async refuseTakeover(ref: ObjectRef, path: string): Promise<void> {
    let existing: Existing;
    try {
      existing = await this.connection.admin.json<Existing>({ path });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
    if (!existing.metadata?.managedFields?.some((f) => f.manager === CONFORMANCE_FIELD_MANAGER)) {
      throw new Error(`${ref.kind} ${ref.name} already exists in ${this.namespace} and is not the conformance run's; rename or delete it first`);
    }
  }

  private mapRef(ref: ObjectRef): ObjectRef {
    return { ...ref, namespace: mapNamespace(ref.namespace ?? this.namespace, this.namespace) };
  }

  override async delete(refs: readonly ObjectRef[]): Promise<void> {
    const mapped = refs.map((r) => this.mapRef(r));
    await super.delete(mapped);
    for (const r of mapped) {
      this.applied.delete(key(r));
      if (r.kind === 'Deployment') this.podSelectors.delete(r.name);
    }
  }

  override async exists(ref: ObjectRef): Promise<boolean> {
    return super.exists(this.mapRef(ref));
  }

  /** Every pod of the run's Deployments Ready (and at least one each); the learner's other pods are not waited for. */
  override async waitPodsReady(namespaces: readonly string[], timeoutMs = PODS_READY_TIMEOUT_MS, signal?: AbortSignal): Promise<void> {
    // The consumer namespace has nothing of this run's (its objects are dropped); any other is refused.
    for (const ns of namespaces) if (!UNAVAILABLE_NAMESPACES.includes(ns)) mapNamespace(ns, this.namespace);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let waitingFor = '';
      for (const [deployment, selector] of this.podSelectors) {
        const pods = await this.pods(this.namespace, selector);
        const live = pods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded');
        const notReady = live.find((p) => !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        if (!live.length) waitingFor = `no pods of ${deployment} yet`;
        else if (notReady) waitingFor = `pod ${notReady.metadata.name} not ready yet`;
        if (waitingFor) break;
      }
      if (!waitingFor) return;
      if (signal?.aborted) throw new Error('interrupted');
      if (Date.now() > deadline) throw new Error(`pods in ${this.namespace} not ready within ${timeoutMs / 1000} s: ${waitingFor}`);
      await sleep(POLL_MS);
    }
  }

  override async podFor(namespace: string, labelSelector: string): Promise<{ name: string; ip: string }> {
    return super.podFor(mapNamespace(namespace, this.namespace), labelSelector);
  }

  override async run(target: ExecTarget, command: string[], timeoutMs: number): Promise<string> {
    return super.run({ ...target, namespace: mapNamespace(target.namespace, this.namespace) }, command, timeoutMs);
  }

  /** What the run applied and has not deleted yet. */
  leftovers(): ObjectRef[] {
    return [...this.applied.values()];
  }

  /** Deletes everything the run applied (last first) and waits until it is gone; the namespace stays. */
  async cleanUp(timeoutMs = 60_000): Promise<void> {
    const refs = this.leftovers();
    if (!refs.length) return;
    await this.delete(refs);
    await this.waitGone(refs, timeoutMs);
  }
}
