// Reading a Job's pod's container log through the Kubernetes API, as `kubectl logs -f job/<name>` does: wait
// (bounded) for the Job controller to create the pod, then until the container has started, then follow `pods/log?follow=true` line by line until the container ends or
// the pod is deleted. Works the same against the sandbox and a real cluster.
import { ApiError } from '../api/errors.js';
import type { KubeHttp } from '../kube/kube-http.js';
import { readLines } from '../kube/stream-lines.js';

interface PodLike {
  status?: {
    phase?: string;
    containerStatuses?: { name: string; state?: { running?: unknown; terminated?: unknown; waiting?: { reason?: string; message?: string } } }[];
  };
}

/** Waiting reasons that will not fix themselves within a benchmark. */
const STUCK_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff']);
const POLL_MS = 100;

const podPath = (namespace: string, pod: string) => `/api/v1/namespaces/${namespace}/pods/${pod}`;

interface JobLike {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}
interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
}

/**
 * The name of the pod the Job controller created for `job` (found by the `batch.kubernetes.io/job-name` label);
 * throws if the Job failed, or has no pod before `deadline` (naming the Job's last warning event, e.g. a quota).
 */
export async function waitForJobPod(kube: KubeHttp, namespace: string, job: string, jobNameLabel: string, deadline: number, signal: AbortSignal): Promise<string> {
  while (Date.now() < deadline && !signal.aborted) {
    const pods = await kube.json<{ items: { metadata: { name: string; creationTimestamp?: string } }[] }>({
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: `${jobNameLabel}=${job}` },
      signal,
    });
    // backoffLimit 0: there is one pod, unless the Job replaced it; the newest is the one running.
    const newest = pods.items.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
    if (newest) return newest.metadata.name;
    const j = await kube.json<JobLike>({ path: `/apis/batch/v1/namespaces/${namespace}/jobs/${job}`, signal });
    const failed = j.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed) throw new ApiError(502, 'GeneratorFailed', `load generator Job ${job} failed before its pod started: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim());
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (signal.aborted) throw new ApiError(499, 'Cancelled', 'the operation was cancelled');
  const warning = await lastWarning(kube, namespace, job).catch(() => undefined);
  throw new ApiError(504, 'GeneratorTimeout', `load generator Job ${job} created no pod in time${warning ? ` (${warning})` : ''}; kubectl describe job ${job} says more`);
}

/** The Job's last Warning event (FailedCreate when a quota refused its pod), as `kubectl describe` shows it. */
async function lastWarning(kube: KubeHttp, namespace: string, job: string): Promise<string | undefined> {
  const events = await kube.json<{ items: EventLike[] }>({
    path: `/api/v1/namespaces/${namespace}/events`,
    query: { fieldSelector: `involvedObject.kind=Job,involvedObject.name=${job}` },
    timeoutMs: 5000,
  });
  const w = events.items.filter((e) => e.type === 'Warning').pop();
  return w ? `${w.reason ?? 'Warning'}: ${w.message ?? ''}` : undefined;
}

/** Resolves once `container` of `pod` is running or has run; throws if it cannot start before `deadline`. */
export async function waitForContainerStart(kube: KubeHttp, namespace: string, pod: string, container: string, deadline: number, signal: AbortSignal): Promise<void> {
  let last = 'not yet scheduled';
  while (Date.now() < deadline && !signal.aborted) {
    const p = await kube.json<PodLike>({ path: podPath(namespace, pod), signal });
    const status = p.status?.containerStatuses?.find((c) => c.name === container);
    if (status?.state?.running || status?.state?.terminated) return;
    const waiting = status?.state?.waiting;
    if (waiting?.reason && STUCK_REASONS.has(waiting.reason))
      throw new ApiError(502, 'GeneratorFailed', `load generator pod ${pod} cannot start: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}; kubectl describe pod ${pod} says more`);
    last = waiting?.reason ?? p.status?.phase ?? last;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (signal.aborted) throw new ApiError(499, 'Cancelled', 'the operation was cancelled');
  throw new ApiError(504, 'GeneratorTimeout', `load generator pod ${pod} did not start in time (last state: ${last})`);
}

/**
 * Follow a container's log: `onLine` per line; resolves when the log ends. `stop` cuts the stream (a
 * deadline), while deleting the pod lets the stream end by itself after the container's last lines.
 */
export async function followLog(kube: KubeHttp, namespace: string, pod: string, container: string, onLine: (line: string) => void, stop: AbortSignal): Promise<void> {
  const res = await kube.open({ path: `${podPath(namespace, pod)}/log`, query: { follow: 'true', container }, accept: 'text/plain', signal: stop });
  if ((res.statusCode ?? 0) >= 400) {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    throw new ApiError(502, 'GeneratorFailed', `reading the log of ${pod} failed: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`);
  }
  try {
    for await (const line of readLines(res)) onLine(line);
  } catch (err) {
    if (!stop.aborted) throw err; // cut on purpose: keep what arrived
  }
}
