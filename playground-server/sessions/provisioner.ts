// A session's footprint in the cluster, made the way an operator of a multi-tenant cluster would: a Namespace
// labelled for mesh injection, a `learner` ServiceAccount with a token from the TokenRequest API, the tenancy
// objects (Role + RoleBinding, ResourceQuota, LimitRange, NetworkPolicy: see tenancy.ts), the sample apps
// server-side applied with the learner's own token, and a bounded watch until every Deployment is Available.
import { ApiError } from '../api/errors.js';
import type { Schemas } from '../api/types.js';
import { applyToNamespace, type ApplyObject } from '../kube/apply.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { KubeHttp } from '../kube/kube-http.js';
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

interface DeploymentLike {
  metadata: { name: string; generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

/** `kubectl rollout status` judgement: rolled out and available. */
export function deploymentReady(d: DeploymentLike): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want;
}

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

/** Watch Deployments until the named ones are all Available; bounded by `timeoutMs`. */
export async function waitForDeployments(http: KubeHttp, namespace: string, names: string[], timeoutMs: number, signal?: AbortSignal, onAvailable?: (name: string, ready: number) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const state = new Map<string, DeploymentLike>();
  const available = new Set<string>();
  const waiting = () => {
    const left = names.filter((n) => !state.get(n) || !deploymentReady(state.get(n)!));
    for (const n of names) {
      if (available.has(n) || left.includes(n)) continue;
      available.add(n);
      onAvailable?.(n, available.size);
    }
    return left;
  };
  const describe = () => waiting().map((n) => { const d = state.get(n); return `${n} (${d?.status?.availableReplicas ?? 0}/${d?.spec?.replicas ?? 1} available)`; }).join(', ');
  // A watch can end early (server timeout); re-list and re-watch until the deadline.
  for (let attempt = 0; attempt < 50 && Date.now() < deadline; attempt++) {
    const { items, resourceVersion } = await listDeployments(http, namespace, signal);
    for (const d of items) state.set(d.metadata.name, d);
    if (!waiting().length) return;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const remaining = deadline - Date.now();
    const timer = setTimeout(() => controller.abort(), remaining);
    try {
      const res = await http.open({
        path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
        query: { watch: 'true', resourceVersion, timeoutSeconds: Math.max(1, Math.ceil(remaining / 1000)), allowWatchBookmarks: 'false' },
        signal: controller.signal,
        timeoutMs: remaining + 1000,
      });
      if ((res.statusCode ?? 0) >= 400) {
        res.resume();
        continue;
      }
      const done = await new Promise<boolean>((resolve) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (!line.trim()) continue;
            try {
              const ev = JSON.parse(line) as { type: string; object: DeploymentLike };
              if (ev.type === 'DELETED') state.delete(ev.object.metadata.name);
              else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') state.set(ev.object.metadata.name, ev.object);
            } catch {
              continue;
            }
            if (!waiting().length) {
              res.destroy();
              resolve(true);
              return;
            }
          }
        });
        res.once('end', () => resolve(false));
        res.once('close', () => resolve(!waiting().length));
        res.once('error', () => resolve(!waiting().length));
      });
      if (done) return;
    } catch (err) {
      if (signal?.aborted) throw new ApiError(499, 'Cancelled', 'the operation was cancelled');
      if (!(err instanceof ApiError) || (err.reason !== 'Cancelled' && err.code < 500)) throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
  if (!waiting().length) return;
  throw new ApiError(504, 'RolloutTimeout', `deployments in ${namespace} not available after ${Math.round(timeoutMs / 1000)} s: ${describe()}; check "kubectl get pods" and "kubectl describe pod" for why`, { waiting: waiting() });
}
