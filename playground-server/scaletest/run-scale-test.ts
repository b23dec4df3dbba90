// One scale test, through the Kubernetes API only: a namespace of its own, then for each step add copies of the
// sample workload up to the step's count, wait for their pods, time API calls (create, LIST, watch), time a
// mesh config push, drive load through the mesh and read the copies' PodMetrics; stop at the first step that
// crosses a threshold (the report says which and why; --keep-going runs the rest anyway, to draw the whole curve). The namespace is deleted at the end, whatever happened.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { isReady, timedCreate, timedListPods, watchRoundTrips } from './api-latency.js';
import { measureConfigPush } from './config-push.js';
import type { ScaleTestFlags } from './flags.js';
import { POLL_MS, SCALE_TIMEOUTS } from './limits.js';
import { runLoadStep } from './load-step.js';
import { SIDECAR_CONTAINERS } from './pod-metrics.js';
import { SCALE_REPORT_FORMAT, breachesOf, copiesText, summarize, verdictOf, type ScaleReport, type StepReport } from './report.js';
import { CLIENT, COPY_LABEL, WORKLOAD_IMAGE, WORKLOAD_LABEL, allCopiesService, clientDeployment, copyObjects, namespaceObject } from './workload.js';

export type ScaleTestSettings = Pick<ScaleTestFlags, 'steps' | 'loadSeconds' | 'rps' | 'connections' | 'apiSamples' | 'thresholds' | 'keepGoing' | 'namespaceLabels' | 'namespaceAnnotations'>;

export interface ScaleTestContext {
  kube: KubeHttp;
  server: string;
  embedded: boolean;
  progress: (line: string) => void;
  signal: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;

async function waitFor<T>(what: string, timeoutMs: number, signal: AbortSignal, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    if (signal.aborted) throw new Error('interrupted');
    last = await check();
    if (last !== undefined) return last;
    if (Date.now() > deadline) throw new Error(`${what} within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(POLL_MS);
  }
}

/**
 * The same client, each request given its own signal that follows the run's: KubeHttp adds an abort listener to the
 * signal it is handed and keeps it, so thousands of calls on the run's one signal would pile listeners up on it.
 */
function perRequestSignals(kube: KubeHttp): KubeHttp {
  const scoped = Object.create(kube) as KubeHttp;
  scoped.open = (req) => kube.open({ ...req, signal: req.signal && AbortSignal.any([req.signal]) });
  return scoped;
}

export async function runScaleTest(ctx: ScaleTestContext, s: ScaleTestSettings): Promise<ScaleReport> {
  const { signal, progress } = ctx;
  const kube = perRequestSignals(ctx.kube);
  const namespace = `scale-test-${randomBytes(3).toString('hex')}`;
  const version = await kube.json<{ gitVersion?: string }>({ path: '/version', signal }).then((v) => v.gitVersion ?? 'unknown', () => 'unknown');
  const steps: StepReport[] = [];
  const method = [
    `load: the builtin engine as one generator pod per step inside namespace ${namespace}, meshed like the workload, open model at the requested rate to the Service scale-all (every copy behind it); per-request timeout 5 s`,
    'errors: non-2xx answers (by status class) plus requests that got no answer; latency is the corrected (coordinated-omission-free) p50/p99 of that load',
    'API latency: wall time of each POST (Deployment, Service), of LISTs of the namespace\'s pods, and of a ConfigMap write → its MODIFIED event on an open watch',
    `pod startup: each copy's Deployment POST → its pod first seen Ready by ${POLL_MS} ms polls (an upper bound by one poll)`,
    'config push: server-side apply of an HTTPRoute on scale-0 → the first request from the client pod (through its sidecar, via the pods proxy) answered by the new rule; resolution one probe round-trip',
    `data plane: metrics.k8s.io PodMetrics of the copies, sidecar containers (${SIDECAR_CONTAINERS.join(', ')}) summed, read during the load${ctx.embedded ? '; the embedded sandbox attributes its one process\'s CPU to pods by their traffic and its memory evenly' : ''}`,
  ];
  const report: ScaleReport = {
    format: SCALE_REPORT_FORMAT,
    generatedAt: new Date().toISOString(),
    cluster: { server: ctx.server, embedded: ctx.embedded, kubernetesVersion: version },
    settings: { steps: s.steps, loadSeconds: s.loadSeconds, rps: s.rps, connections: s.connections, apiSamples: s.apiSamples, workloadImage: WORKLOAD_IMAGE, namespace },
    method,
    thresholds: s.thresholds,
    steps,
    verdict: verdictOf([], s.steps, false),
    cleanup: { deleted: false, message: 'not started' },
    interrupted: false,
  };
  let created = false;
  try {
    progress(`· namespace ${namespace}`);
    // Counted as created before the answer: a POST interrupted in flight may still have made it (cleanup deletes it; a 404 there is fine).
    created = true;
    await kube.json({ method: 'POST', path: '/api/v1/namespaces', body: namespaceObject(namespace, s.namespaceLabels, s.namespaceAnnotations), signal });
    // Pods need the namespace's default ServiceAccount (the service-account controller makes it).
    await waitFor('no default ServiceAccount in the namespace', 30_000, signal, () =>
      kube.json({ path: `/api/v1/namespaces/${namespace}/serviceaccounts/default`, signal }).then(
        () => true,
        (err) => (err instanceof ApiError && err.code === 404 ? undefined : Promise.reject(err)),
      ),
    );
    await timedCreate(kube, namespace, clientDeployment(), signal);
    await timedCreate(kube, namespace, allCopiesService(), signal);
    const createdAt = new Map<number, number>();
    let copies = 0;
    let clientPod: string | undefined;
    for (const [index, target] of s.steps.entries()) {
      if (signal.aborted) break;
      progress(`· step ${index + 1}/${s.steps.length}: ${copiesText(target)}`);
      const createMs: number[] = [];
      const startupMs: number[] = [];
      const step: Omit<StepReport, 'breaches'> = {
        copies: target,
        startedAt: new Date().toISOString(),
        api: { create: summarize([]), list: summarize([]), watch: summarize([]), podStartup: summarize([]) },
        configPush: null,
        load: null,
        resources: null,
      };
      try {
        for (; copies < target; copies++) {
          const { deployment, service } = copyObjects(copies);
          createdAt.set(copies, performance.now());
          createMs.push(await timedCreate(kube, namespace, deployment, signal));
          createMs.push(await timedCreate(kube, namespace, service, signal));
        }
        step.api.create = summarize(createMs);
        const readyTimeout = SCALE_TIMEOUTS.podsReadyBaseMs + SCALE_TIMEOUTS.podsReadyPerCopyMs * target;
        await waitFor(`not every copy's pod was Ready`, readyTimeout, signal, async () => {
          const { pods } = await timedListPods(kube, namespace, `${WORKLOAD_LABEL}=sample`, signal);
          const now = performance.now();
          const ready = new Set<number>();
          for (const p of pods) if (isReady(p)) ready.add(Number(p.metadata.labels?.[COPY_LABEL]));
          for (const i of ready) {
            const at = createdAt.get(i);
            if (at !== undefined) {
              startupMs.push(now - at);
              createdAt.delete(i);
            }
          }
          return ready.size >= target ? true : undefined;
        });
        step.api.podStartup = summarize(startupMs);
        clientPod ??= await waitFor(`the client pod ${CLIENT} was not Ready`, SCALE_TIMEOUTS.podsReadyBaseMs, signal, async () => {
          const { pods } = await timedListPods(kube, namespace, `app=${CLIENT}`, signal);
          return pods.find(isReady)?.metadata.name;
        });
        const listMs: number[] = [];
        for (let i = 0; i < s.apiSamples; i++) listMs.push((await timedListPods(kube, namespace, undefined, signal)).ms);
        step.api.list = summarize(listMs);
        const watch = await watchRoundTrips(kube, namespace, s.apiSamples, signal);
        step.api.watch = summarize(watch.watchMs);
        step.configPush = await measureConfigPush(kube, namespace, clientPod, index + 1, signal);
        progress(`  API create p99 ${step.api.create.p99} ms, LIST p99 ${step.api.list.p99} ms, watch p99 ${step.api.watch.p99} ms, pod startup p99 ${step.api.podStartup.p99} ms; config push ${step.configPush.ms} ms`);
        const load = await runLoadStep(kube, namespace, { step: index + 1, rps: s.rps, connections: s.connections, loadSeconds: s.loadSeconds, signal });
        step.load = load.load;
        step.resources = load.resources;
        for (const note of load.notes) progress(`  ${note}`);
        progress(
          `  load ${step.load.actualRps} rps, p99 ${step.load.latencyMs.p99} ms, errors ${step.load.errorPercent}%` +
            (step.resources ? `; data plane ${step.resources.dataPlaneCpuMillicores} mCPU, ${step.resources.dataPlaneMemoryMiB} MiB` : ''),
        );
      } catch (err) {
        if (signal.aborted) {
          report.interrupted = true;
          break;
        }
        step.failure = (err as Error).message;
        step.api.create = summarize(createMs);
        step.api.podStartup = summarize(startupMs);
      }
      const breaches = breachesOf(step, s.thresholds);
      steps.push({ ...step, breaches });
      if (breaches.length) {
        progress(`  ✗ ${breaches.join('; ')}`);
        // A failed step leaves the cluster in an unknown state: never go on from it.
        if (!s.keepGoing || step.failure) break;
      }
    }
    if (signal.aborted) report.interrupted = true;
  } catch (err) {
    if (!signal.aborted) throw err;
    report.interrupted = true;
  } finally {
    report.verdict = verdictOf(steps, s.steps, report.interrupted);
    report.cleanup = created ? await deleteNamespace(kube, namespace, progress) : { deleted: true, message: 'nothing was created' };
  }
  return report;
}

/** Deletes the test namespace (everything in it goes with it) and waits, bounded, until it is gone. */
export async function deleteNamespace(kube: KubeHttp, namespace: string, progress: (line: string) => void): Promise<ScaleReport['cleanup']> {
  progress(`· deleting namespace ${namespace}`);
  const path = `/api/v1/namespaces/${namespace}`;
  const t0 = Date.now();
  try {
    await kube.json({ method: 'DELETE', path, query: { propagationPolicy: 'Background' } });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) return { deleted: false, message: `deleting namespace ${namespace} failed: ${(err as Error).message}; delete it with kubectl delete namespace ${namespace}` };
  }
  while (Date.now() - t0 < SCALE_TIMEOUTS.namespaceGoneMs) {
    try {
      await kube.json({ path });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return { deleted: true, message: `namespace ${namespace} and everything in it deleted (${round((Date.now() - t0) / 1000)} s)` };
      throw err;
    }
    await sleep(POLL_MS);
  }
  return { deleted: false, message: `namespace ${namespace} still terminating after ${SCALE_TIMEOUTS.namespaceGoneMs / 1000} s; check kubectl get namespace ${namespace}` };
}
