// What a container runs, from its spec and its image, as a container runtime decides it: Kubernetes' `command`
// replaces the image's ENTRYPOINT and `args` its CMD. An image with a server (a factory) runs it unless the
// command names another program of the image; an image of programs only runs entrypoint+cmd as its main
// process. A program the image lacks fails to start with the OCI runtime's words.
import type { ResolvedImage } from '../images.js';
import type { Container } from '../kinds.js';
import { hasProgram, programName } from './run-program.js';

export type MainCommand = { kind: 'server' } | { kind: 'program'; argv: string[] };

/** The environment a process sees: the image's PATH and HOME around the container's own variables. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function processEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: DEFAULT_PATH, ...env, HOME: env.HOME ?? '/root' };
}

export class ContainerStartError extends Error {}

const startFailure = (name: string) =>
  new ContainerStartError(
    `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${name}": executable file not found in $PATH: unknown`,
  );

export function mainCommand(spec: Container, image: ResolvedImage): MainCommand {
  const command = spec.command?.length ? spec.command : undefined;
  if (image.factory) {
    // The built-in servers run as before: with no command, or one naming the image's own entrypoint.
    if (!command) return { kind: 'server' };
    if (image.entrypoint.length && programName(command[0]) === programName(image.entrypoint[0])) return { kind: 'server' };
    if (hasProgram(image.programs, command[0])) return { kind: 'program', argv: [...command, ...(spec.args ?? [])] };
    return { kind: 'server' };
  }
  const argv = [...(command ?? image.entrypoint), ...(spec.args ?? (command ? [] : image.cmd))];
  if (!argv.length) throw new ContainerStartError('failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: no command specified: unknown');
  if (!hasProgram(image.programs, argv[0])) throw startFailure(argv[0]);
  return { kind: 'program', argv };
}
