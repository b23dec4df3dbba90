// sleep: a client-only pod (Istio's `sleep`/curl idea). It serves nothing; requests are sent from it with
// runtime.requestFrom(namespace, pod, ...), which uses the pod's agent (and its sidecar when meshed).
import type { Workload, WorkloadContext } from '../runtime/workload.js';

export function sleepApp(ctx: WorkloadContext): Workload {
  return {
    start: async () => ctx.log(`sleep: ready to send requests from ${ctx.podIP}`),
    stop: async () => undefined,
  };
}
