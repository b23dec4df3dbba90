// A session's footprint in the cluster, made the way an operator of a multi-tenant cluster would: a Namespace
// labelled for mesh injection, a `learner` ServiceAccount with a token from the TokenRequest API, the tenancy
// objects (Role + RoleBinding, ResourceQuota, LimitRange, NetworkPolicy: see tenancy.ts), the sample apps
// server-side applied with the learner's own token, and a bounded watch until every Deployment is Available.
import { ApiError } from '../api/errors.js';
import type { Schemas } from '../api/types.js';
import { applyToNamespace, type ApplyObject } from '../kube/apply.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { listAndWatch, type ObjectStore } from '../kube/list-watch.js';
import { deploymentRolloutStatus, type DeploymentRolloutFields } from '../../kubernetes/rollout-status.js';
import { sessionManifests, type SampleApp } from './sample-apps.js';
import { tenancyObjects } from './tenancy.js';

export const LEARNER_SERVICE_ACCOUNT = 'learner';
export const SESSION_LABEL = 'playground.mesh.dev/session';
export const NAMESPACE_LABELS = {
  'mesh.playground.dev/inject': 'enabled',
  'linkerd.io/inject': 'enabled',
  'app.kubernetes.io/managed-by': 'mesh-playground',
};

export type ProgressSink = (event: Schemas['SessionProgress']) => void | Promise<void>;
export type WorkloadReadiness = Schemas['WorkloadReadiness'];

interface DeploymentLike extends DeploymentRolloutFields {
  metadata: { name: string; namespace?: string; generation?: number; resourceVersion?: string };
  spec?: { replicas?: number };
  status?: DeploymentRolloutFields['status'];
}

/** `kubectl rollout status` judgement: rolled out and available. */
export const deploymentReady = (d: DeploymentLike): boolean => deploymentRolloutStatus(d).done;

export const readinessOf = (d: DeploymentLike): WorkloadReadiness => ({ name: d.metadata.name, desired: d.spec?.replicas ?? 1, available: d.status?.availableReplicas ?? 0 });

export class NamespaceProvisioner {
  constructor(
    private readonly cluster: ClusterConnection,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Create everything; returns the learner's cluster token. Idempotent (resume after a cluster restart). */
  async provision(namespace: string, sessionId: string, apps: SampleApp[], progress: ProgressSink, signal?: AbortSignal): Promise<string> {
    const admin = this.cluster.admin;
    await progress({ phase: 'namespace', message: `creating namespace ${namespace}` });
    await ignoreConflict(
      admin.json({
        method: 'POST',
        path: '/api/v1/namespaces',
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { ...NAMESPACE_LABELS, [SESSION_LABEL]: sessionId } } },
        signal,
      }),
    );
    await progress({ phase: 'credentials', message: `creating ServiceAccount ${LEARNER_SERVICE_ACCOUNT} and its token` });
    await ignoreConflict(
      admin.json({
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
        body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: LEARNER_SERVICE_ACCOUNT } },
        signal,
      }),
    );
    await progress({ phase: 'credentials', message: 'creating the learner\'s Role, quota, limit range and network policy' });
    await applyToNamespace(admin, this.cluster.discovery, namespace, tenancyObjects(namespace, LEARNER_SERVICE_ACCOUNT), { force: true });
    const token = await this.issueToken(namespace, signal);

    // The sample apps are applied with the learner's own token: nothing the learner could not do.
    const learner = this.cluster.forToken(token);
    const objects = sessionManifests(apps) as ApplyObject[];
    await progress({ phase: 'apply', message: `applying ${objects.length} objects (${[...apps, 'curl'].join(', ')})` });
    await applyToNamespace(learner, this.cluster.discovery, namespace, objects, { force: true });
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    const total = deployments.length;
    await progress({ phase: 'rollout', message: `waiting for ${total} deployments to become available`, ready: 0, total });
    // One event per Deployment that becomes available, in order (each waits for the one before it to be sent).
    let reported = Promise.resolve();
    const onAvailable = (workload: string, ready: number) => {
      reported = reported.then(() => progress({ phase: 'rollout', message: `${workload} is available (${ready}/${total})`, workload, ready, total }));
    };
    await waitForDeployments(learner, namespace, deployments, this.readyTimeoutMs, signal, onAvailable);
    await reported;
    await progress({ phase: 'ready', message: 'every deployment is available', ready: total, total });
    return token;
  }

  /** A TokenRequest for the learner ServiceAccount (scoped by the cluster to the namespace). */
  async issueToken(namespace: string, signal?: AbortSignal, expirationSeconds = 24 * 3600): Promise<string> {
    const res = await this.cluster.admin.json<{ status?: { token?: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/serviceaccounts/${LEARNER_SERVICE_ACCOUNT}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds } },
      signal,
    });
    const token = res.status?.token;
    if (!token) throw new ApiError(502, 'ClusterError', 'the cluster answered the TokenRequest without a token');
    return token;
  }

  async namespaceExists(namespace: string): Promise<boolean> {
    try {
      const ns = await this.cluster.admin.json<{ metadata?: { deletionTimestamp?: string } }>({ path: `/api/v1/namespaces/${namespace}` });
      return !ns.metadata?.deletionTimestamp;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  }

  async deleteNamespace(namespace: string): Promise<void> {
    try {
      await this.cluster.admin.json({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }
}

async function ignoreConflict(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}

export async function listDeployments(http: KubeHttp, namespace: string, signal?: AbortSignal): Promise<{ items: DeploymentLike[]; resourceVersion: string }> {
  const list = await http.json<{ items: DeploymentLike[]; metadata?: { resourceVersion?: string } }>({ path: `/apis/apps/v1/namespaces/${namespace}/deployments`, signal });
  return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
}

/** Watch Deployments until the named ones are all Available (`onAvailable` as each becomes so); bounded by `timeoutMs`. */
export async function waitForDeployments(
  http: KubeHttp,
  namespace: string,
  names: string[],
  timeoutMs: number,
  signal?: AbortSignal,
  onAvailable?: (name: string, ready: number) => void,
): Promise<void> {
  const byName = (store: ObjectStore<DeploymentLike>) => new Map([...store.values()].map((d) => [d.metadata.name, d]));
  const available = new Set<string>();
  const waitingIn = (state: Map<string, DeploymentLike>) => {
    const left = names.filter((n) => !state.get(n) || !deploymentReady(state.get(n)!));
    for (const n of names) {
      if (available.has(n) || left.includes(n)) continue;
      available.add(n);
      onAvailable?.(n, available.size);
    }
    return left;
  };
  const { done, store } = await listAndWatch<DeploymentLike>(http, {
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    until: (s) => !waitingIn(byName(s)).length,
    deadline: Date.now() + timeoutMs,
    signal,
  });
  if (done) return;
  const state = byName(store);
  const waiting = waitingIn(state);
  const describe = waiting.map((n) => { const d = state.get(n); return `${n} (${d?.status?.availableReplicas ?? 0}/${d?.spec?.replicas ?? 1} available)`; }).join(', ');
  throw new ApiError(504, 'RolloutTimeout', `deployments in ${namespace} not available after ${Math.round(timeoutMs / 1000)} s: ${describe}; check "kubectl get pods" and "kubectl describe pod" for why`, { waiting });
}
