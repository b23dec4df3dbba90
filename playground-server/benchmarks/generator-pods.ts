// Generator Jobs: one batch/v1 Job per generator of a run, created through the Kubernetes API — the same
// objects in the embedded sandbox and on a real cluster. Each Job runs exactly one pod (completions 1,
// backoffLimit 0: a retried generator would send its share of the schedule twice), the GeneratorSpec in
// LOADGEN_SPEC, labels to find Jobs and pods by run and generator, an activeDeadlineSeconds that kills a run
// outliving its budget, and a ttlSecondsAfterFinished that removes what a crashed server forgot.
// One Job per generator rather than one Indexed Job: every generator has its own spec (phase, connections),
// and the generator reads it from its environment unchanged, as a process or a worker thread does.
// The image defaults to the sandbox's built-in `playground/loadgen:v1`; hosted mode names its own image
// (which runs `playground generator`) in PLAYGROUND_LOADGEN_IMAGE.
import { LOADGEN_CONTAINER, LOADGEN_IMAGE } from '../loadgen/pod-image.js';
import type { GeneratorSpec } from '../loadgen/protocol.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { followLog, waitForContainerStart, waitForJobPod } from './pod-log.js';

export const BENCH_APP_LABEL = 'bench';
export const BENCH_RUN_LABEL = 'bench.mesh.playground.dev/run';
export const BENCH_GENERATOR_LABEL = 'bench.mesh.playground.dev/generator';
/** The label the Job controller puts on its pods (batch/v1, Kubernetes ≥ 1.27; the sandbox sets it too). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
/** The injection opt-out every mesh the playground targets honours (Linkerd's; the sandbox's injector reads it). */
export const INJECT_ANNOTATION = 'linkerd.io/inject';
/** A finished generator Job the server failed to delete (it crashed) is removed by the cluster after this. */
export const GENERATOR_JOB_TTL_SECONDS = 300;

export function generatorImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLAYGROUND_LOADGEN_IMAGE?.trim() || LOADGEN_IMAGE;
}

export const generatorJobName = (runId: string, k: number): string => `bench-${runId}-${k}`;

export const jobsPath = (namespace: string): string => `/apis/batch/v1/namespaces/${namespace}/jobs`;

export interface GeneratorJobOptions {
  runId: string;
  spec: GeneratorSpec;
  serviceAccount: string;
  /** false: opt out of sidecar injection (direct to the Service). */
  sidecar: boolean;
  image: string;
  /** The Job (and so its pod) is stopped if it outlives the run (seconds). */
  activeDeadlineSeconds: number;
}

export function generatorJob(o: GeneratorJobOptions): Record<string, unknown> {
  const labels = { app: BENCH_APP_LABEL, [BENCH_RUN_LABEL]: o.runId, [BENCH_GENERATOR_LABEL]: String(o.spec.generatorId) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: generatorJobName(o.runId, o.spec.generatorId), labels },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      activeDeadlineSeconds: o.activeDeadlineSeconds,
      ttlSecondsAfterFinished: GENERATOR_JOB_TTL_SECONDS,
      template: {
        metadata: { labels, annotations: o.sidecar ? {} : { [INJECT_ANNOTATION]: 'disabled' } },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: o.serviceAccount,
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: LOADGEN_CONTAINER,
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              // The server image (Dockerfile) has no ENTRYPOINT, so the whole command is given.
              command: ['node', 'bin/playground.js', 'generator'],
              env: [{ name: 'LOADGEN_SPEC', value: JSON.stringify(o.spec) }],
            },
          ],
        },
      },
    },
  };
}

export interface GeneratorJobsRun {
  kube: KubeHttp;
  namespace: string;
  runId: string;
  specs: GeneratorSpec[];
  serviceAccount: string;
  sidecar: boolean;
  image: string;
  /** When the last response of the run may arrive (epoch ms): the Jobs' deadline and the logs' cut follow from it. */
  runEndsAt: number;
  /** How long a generator's pod may take to be created and started. */
  podStartTimeoutMs: number;
  /** Slack after `runEndsAt` before the logs are cut and the Jobs' deadline passes. */
  slackMs: number;
  /** After cancelling (the Jobs deleted), how long the pods' last lines (partial results) may take to arrive. */
  drainAfterDeleteMs: number;
  /** One log line of generator k. */
  onLine: (k: number, line: string) => void;
  /** Generator k's pod, once the Job controller created it (e.g. to read what admission injected). */
  onPod?: (k: number, pod: string) => void;
  /** Cancels the run: the Jobs are deleted, their pods stop and print partial results, which still arrive. */
  cancel: AbortSignal;
}

/**
 * Run one generator Job per spec and follow each Job's pod log until it ends: the Jobs are created, their pods
 * found by the Job controller's label, their logs followed through `pods/log?follow=true`. Cancelling deletes
 * the Jobs (propagationPolicy Background: the garbage collector deletes the pods, which print their partial
 * results as they stop; the logs keep flowing until then). The Jobs are always deleted at the end. Resolves
 * with what went wrong per generator (empty when every log was followed to its end).
 */
export async function runGeneratorJobs(o: GeneratorJobsRun): Promise<string[]> {
  const { kube, namespace } = o;
  const jobs = o.specs.map((s) => generatorJobName(o.runId, s.generatorId));
  const created: string[] = [];
  // Cuts the log streams at a deadline; deleting the Jobs (cancel) lets them end by themselves.
  const cut = new AbortController();
  const cutTimer = setTimeout(() => cut.abort(), o.runEndsAt - Date.now() + o.slackMs);
  const onCancel = () => {
    void deleteGeneratorJobs(kube, namespace, created);
    setTimeout(() => cut.abort(), o.drainAfterDeleteMs).unref();
  };
  o.cancel.addEventListener('abort', onCancel, { once: true });
  const failures: string[] = [];
  try {
    for (const spec of o.specs) {
      const job = generatorJob({ runId: o.runId, spec, serviceAccount: o.serviceAccount, sidecar: o.sidecar, image: o.image, activeDeadlineSeconds: Math.ceil((o.runEndsAt - Date.now() + o.slackMs) / 1000) });
      await kube.json({ method: 'POST', path: jobsPath(namespace), body: job, signal: o.cancel });
      created.push(jobs[spec.generatorId]);
    }
    const followers = o.specs.map(async (spec) => {
      const k = spec.generatorId;
      const deadline = Date.now() + o.podStartTimeoutMs;
      const pod = await waitForJobPod(kube, namespace, jobs[k], JOB_NAME_LABEL, deadline, o.cancel);
      o.onPod?.(k, pod);
      await waitForContainerStart(kube, namespace, pod, LOADGEN_CONTAINER, deadline, o.cancel);
      await followLog(kube, namespace, pod, LOADGEN_CONTAINER, (line) => o.onLine(k, line), cut.signal);
    });
    const outcomes = await Promise.allSettled(followers);
    for (const out of outcomes) if (out.status === 'rejected' && !o.cancel.aborted) failures.push((out.reason as Error).message);
    return failures;
  } finally {
    clearTimeout(cutTimer);
    cut.abort();
    o.cancel.removeEventListener('abort', onCancel);
    await deleteGeneratorJobs(kube, namespace, created);
  }
}

/** Delete the run's Jobs and, through the garbage collector, their pods (already gone is fine); never throws. */
export async function deleteGeneratorJobs(kube: KubeHttp, namespace: string, jobs: string[]): Promise<void> {
  await Promise.all(
    jobs.map((job) =>
      kube
        .json({ method: 'DELETE', path: `${jobsPath(namespace)}/${job}`, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, timeoutMs: 10_000 })
        .catch(() => undefined),
    ),
  );
}
