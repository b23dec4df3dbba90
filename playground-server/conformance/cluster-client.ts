// What the runner asks of a cluster, through the Kubernetes API only: server-side apply of manifest objects (test
// namespaces get the injection labels, as upstream's Applier.prepareNamespace adds --namespace-labels), delete,
// pods Ready in a namespace (kubernetes.MeshNamespacesMustBeReady), a pod by label selector, exec, and the Gateway
// API CRDs' bundle version and channel for the report.
import { ApiError } from '../api/errors.js';
import { ClusterConnection } from '../kube/cluster-connection.js';
import { parseManifestText, type ApplyObject } from '../kube/apply.js';
import { resourcePath } from '../kube/discovery.js';
import { PodExec, type ExecTarget } from './pod-exec.js';

export const CONFORMANCE_FIELD_MANAGER = 'playground-conformance';
/** Bounds on waiting for the cluster (upstream: NamespacesMustBeReady 300 s, DeleteTimeout 30 s). */
export const PODS_READY_TIMEOUT_MS = 120_000;
export const NAMESPACE_GONE_TIMEOUT_MS = 60_000;
const POLL_MS = 200;

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface PodList {
  items: { metadata: { name: string; namespace: string; deletionTimestamp?: string }; status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] } }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ConformanceCluster {
  private readonly exec: PodExec;

  constructor(
    readonly connection: ClusterConnection,
    /** Labels and annotations every Namespace the runner applies gets (injection). */
    private readonly namespaceMeta: { labels: Record<string, string>; annotations: Record<string, string> },
  ) {
    this.exec = new PodExec(connection.kubeconfig);
  }

  static fromKubeconfigFile(path: string, namespaceMeta: { labels: Record<string, string>; annotations: Record<string, string> }): ConformanceCluster {
    return new ConformanceCluster(ClusterConnection.fromFile(path), namespaceMeta);
  }

  parse(yamlText: string): ApplyObject[] {
    return parseManifestText(yamlText);
  }

  /** Server-side apply, in order; Namespaces get the injection labels. Returns what was applied. */
  async apply(objects: ApplyObject[]): Promise<ObjectRef[]> {
    const applied: ObjectRef[] = [];
    for (const input of objects) {
      const obj = structuredClone(input);
      if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
        const labels = { ...((obj.metadata.labels as Record<string, string> | undefined) ?? {}), ...this.namespaceMeta.labels };
        const annotations = { ...((obj.metadata.annotations as Record<string, string> | undefined) ?? {}), ...this.namespaceMeta.annotations };
        obj.metadata.labels = labels;
        if (Object.keys(annotations).length) obj.metadata.annotations = annotations;
      }
      const type = await this.connection.discovery.byKind(obj.apiVersion, obj.kind);
      await this.connection.admin.json({
        method: 'PATCH',
        path: resourcePath(type, obj.metadata.namespace, obj.metadata.name),
        query: { fieldManager: CONFORMANCE_FIELD_MANAGER, force: 'true' },
        contentType: 'application/apply-patch+yaml',
        body: obj,
      });
      applied.push({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace });
    }
    return applied;
  }

  /** Deletes each object (gone already is fine), last applied first. */
  async delete(refs: readonly ObjectRef[]): Promise<void> {
    for (const ref of [...refs].reverse()) {
      const type = await this.connection.discovery.byKind(ref.apiVersion, ref.kind);
      try {
        await this.connection.admin.json({ method: 'DELETE', path: resourcePath(type, ref.namespace, ref.name), query: { propagationPolicy: 'Background' } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
  }

  async exists(ref: ObjectRef): Promise<boolean> {
    const type = await this.connection.discovery.byKind(ref.apiVersion, ref.kind);
    try {
      await this.connection.admin.json({ path: resourcePath(type, ref.namespace, ref.name) });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  }

  /** Waits until none of the objects exists any more (namespaces finish terminating). */
  async waitGone(refs: readonly ObjectRef[], timeoutMs = NAMESPACE_GONE_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const ref of refs) {
      while (await this.exists(ref)) {
        if (Date.now() > deadline) throw new Error(`${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} still exists after ${timeoutMs / 1000} s`);
        await sleep(POLL_MS);
      }
    }
  }

  protected async pods(namespace: string, labelSelector?: string): Promise<PodList['items']> {
    const list = await this.connection.admin.json<PodList>({ path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, query: { labelSelector } });
    return list.items;
  }

  /** Every pod of each namespace Ready (or Succeeded, or going away), and at least one pod in each. */
  async waitPodsReady(namespaces: readonly string[], timeoutMs = PODS_READY_TIMEOUT_MS, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let waitingFor = '';
      for (const ns of namespaces) {
        const pods = await this.pods(ns);
        if (!pods.length) waitingFor = `no pods deployed yet in namespace ${ns}`;
        const notReady = pods.find((p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        if (notReady) waitingFor = `pod ${ns}/${notReady.metadata.name} not ready yet`;
        if (waitingFor) break;
      }
      if (!waitingFor) return;
      if (signal?.aborted) throw new Error('interrupted');
      if (Date.now() > deadline) throw new Error(`pods in ${namespaces.join(', ')} not ready within ${timeoutMs / 1000} s: ${waitingFor}`);
      await sleep(POLL_MS);
    }
  }

  /** The first running pod matching the selector (echo.ConnectToAppInNamespace). */
  async podFor(namespace: string, labelSelector: string): Promise<{ name: string; ip: string }> {
    const pods = (await this.pods(namespace, labelSelector)).filter((p) => !p.metadata.deletionTimestamp);
    const pod = pods.find((p) => p.status?.phase === 'Running') ?? pods[0];
    if (!pod) throw new Error(`no pods found in app ${labelSelector} (namespace ${namespace})`);
    return { name: pod.metadata.name, ip: pod.status?.podIP ?? '' };
  }

  run(target: ExecTarget, command: string[], timeoutMs: number): Promise<string> {
    return this.exec.run(target, command, timeoutMs);
  }

  /** The Gateway API CRDs' bundle version and channel (suite.getAPIVersionAndChannel), or UNDEFINED. */
  async gatewayApiVersionAndChannel(): Promise<{ version: string; channel: string }> {
    const undefinedBoth = { version: 'UNDEFINED', channel: 'UNDEFINED' };
    try {
      const crd = await this.connection.admin.json<{ metadata?: { annotations?: Record<string, string> } }>({ path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutes.gateway.networking.k8s.io' });
      const a = crd.metadata?.annotations ?? {};
      const version = a['gateway.networking.k8s.io/bundle-version'];
      const channel = a['gateway.networking.k8s.io/channel'];
      return version && channel ? { version, channel } : undefinedBoth;
    } catch {
      return undefinedBoth;
    }
  }

  close(): void {
    this.connection.close();
  }
}
