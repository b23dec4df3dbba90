// Generator pods: one pod per generator of a run, exactly as the hosted playground runs them as Job pods on
// a real cluster — restartPolicy Never, the GeneratorSpec in LOADGEN_SPEC, labels to find them by run.
// The image defaults to the sandbox's built-in `playground/loadgen:v1`; hosted mode names its own image
// (which runs `playground generator`) in PLAYGROUND_LOADGEN_IMAGE.
import { LOADGEN_CONTAINER, LOADGEN_IMAGE } from '../loadgen/pod-image.js';
import type { GeneratorSpec } from '../loadgen/protocol.js';

export const BENCH_APP_LABEL = 'bench';
export const BENCH_RUN_LABEL = 'bench.mesh.playground.dev/run';
export const BENCH_GENERATOR_LABEL = 'bench.mesh.playground.dev/generator';
/** The injection opt-out every mesh the playground targets honours (Linkerd's; the sandbox's injector reads it). */
export const INJECT_ANNOTATION = 'linkerd.io/inject';

export function generatorImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLAYGROUND_LOADGEN_IMAGE?.trim() || LOADGEN_IMAGE;
}

export const generatorPodName = (runId: string, k: number): string => `bench-${runId}-${k}`;

export interface GeneratorPodOptions {
  runId: string;
  spec: GeneratorSpec;
  serviceAccount: string;
  /** false: opt out of sidecar injection (direct to the Service). */
  sidecar: boolean;
  image: string;
  /** Kills the pod if it outlives the run (seconds), as a Job's activeDeadlineSeconds would. */
  activeDeadlineSeconds: number;
}

export function generatorPod(o: GeneratorPodOptions): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: generatorPodName(o.runId, o.spec.generatorId),
      labels: { app: BENCH_APP_LABEL, [BENCH_RUN_LABEL]: o.runId, [BENCH_GENERATOR_LABEL]: String(o.spec.generatorId) },
      annotations: o.sidecar ? {} : { [INJECT_ANNOTATION]: 'disabled' },
    },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName: o.serviceAccount,
      activeDeadlineSeconds: o.activeDeadlineSeconds,
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
  };
}
