// Creates one instance of a container, as the runtime's CreateContainer does: a fresh writable filesystem (the
// image's files, the pod's volumes and ServiceAccount token; the previous instance's layer is dropped), the
// instance's context, and its main process — a program of the image (command/args) or the image's built-in
// workload. Throws ContainerStartError when there is nothing to start (the runner reports StartError, exit 128),
// anything else when the container cannot be created (CreateContainerError).
import type { ClusterApi } from '../../apiserver/api.js';
import type { ResolvedImage } from '../images.js';
import type { Pod } from '../kinds.js';
import { ContainerStartError, mainCommand, processEnv } from '../process/container-command.js';
import { MainProcess } from '../process/main-process.js';
import { containerFilesystem, type PodFilesInput } from '../process/pod-files.js';
import type { Workload, WorkloadContext } from '../workload.js';
import type { ContainerRun } from './container-run.js';

export interface InstanceInput {
  api: ClusterApi;
  pod: Pod;
  podIP: string;
  image: ResolvedImage;
  serviceAccountToken?: PodFilesInput['serviceAccountToken'];
  disk?: PodFilesInput['disk'];
  /** The instance's context, made once its filesystem exists. */
  context: () => WorkloadContext;
}

/** Sets up `run.fs` and `run.ctx` for the new instance and returns its (not yet started) workload. */
export function createInstance(run: ContainerRun, input: InstanceInput): Workload {
  const { image } = input;
  run.fs?.dispose();
  run.fs = containerFilesystem({
    api: input.api,
    pod: input.pod,
    container: run.spec,
    podIP: input.podIP,
    imageFiles: image.files,
    serviceAccountToken: input.serviceAccountToken,
    disk: input.disk,
  });
  const ctx = input.context();
  run.ctx = ctx;
  const main = mainCommand(run.spec, image);
  if (main.kind === 'program') {
    return new MainProcess({
      argv: main.argv,
      programs: image.programs,
      fs: run.fs,
      ctx: { ...ctx, env: processEnv(ctx.env) },
      cwd: typeof run.spec.workingDir === 'string' ? run.spec.workingDir : '/',
      stdin: run.spec.stdin === true,
      stdinOnce: run.spec.stdinOnce === true,
      tty: run.spec.tty === true,
    });
  }
  if (image.factory) return image.factory(ctx, image.tag);
  throw new ContainerStartError('no command specified');
}
