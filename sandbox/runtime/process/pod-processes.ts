// The kubelet's streaming side for one pod: `kubectl exec` (a program of the container's image, in its
// filesystem and network), `kubectl attach` (the main process's output from now on, its stdin; a server's log),
// and `kubectl port-forward` (a TCP connection to a port inside the pod's network namespace). Exec'd processes
// are capped per pod and killed when their container or the pod stops.
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { Writable, type Duplex, type Readable } from 'node:stream';
import { StatusError, badRequest } from '../../apiserver/errors.js';
import type { AttachOptions, ExecOptions, PodStreamIO } from '../../apiserver/pod-streams.js';
import type { ResolvedImage } from '../images.js';
import type { Container, Pod } from '../kinds.js';
import type { ContainerLog } from '../logs.js';
import type { Workload, WorkloadContext } from '../workload.js';
import { processEnv } from './container-command.js';
import type { MemoryFilesystem } from './filesystem.js';
import { MainProcess } from './main-process.js';
import { openTerminal } from './pty.js';
import { runProgram, writeTo } from './run-program.js';

/** Most exec'd processes one pod runs at once (each holds streams and timers; learners can loop `kubectl exec`). */
export const MAX_EXECS_PER_POD = 16;
/** How long a port-forward dial waits for the app to accept. */
const PORT_FORWARD_CONNECT_MS = 5_000;

export interface RunningContainer {
  spec: Container;
  workload?: Workload;
  fs: MemoryFilesystem;
  ctx: WorkloadContext;
  image: ResolvedImage;
  log?: ContainerLog;
}

/** What the streaming side needs of its pod (PodRunner). */
export interface StreamingPod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly podIP?: string;
  readonly localHost?: string;
  readonly spec: Pod;
  runningContainer(name: string): RunningContainer | undefined;
}

const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

const discard = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

export class PodProcesses {
  private readonly running = new Map<AbortController, string>(); // → container name

  constructor(private readonly pod: StreamingPod) {}

  /** The environment of a process in the container (PATH and HOME around the container's variables). */
  envOf(ctx: WorkloadContext): Record<string, string> {
    return processEnv(ctx.env);
  }

  /**
   * The container a request names, or the pod's default: its `kubectl.kubernetes.io/default-container`, its only
   * container, else the apiserver's error (pkg/registry/core/pod/strategy.go streamLocation).
   */
  private containerName(given: string | undefined): string {
    const pod = this.pod.spec;
    const containers = pod.spec.containers.map((c) => c.name);
    const inits = (pod.spec.initContainers ?? []).map((c) => c.name);
    const ephemerals = (pod.spec.ephemeralContainers ?? []).map((c) => c.name);
    if (given) {
      if (!containers.includes(given) && !inits.includes(given) && !ephemerals.includes(given)) throw badRequest(`container ${given} is not valid for pod ${this.pod.name}`);
      return given;
    }
    const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
    if (annotated && containers.includes(annotated)) return annotated;
    if (containers.length === 1) return containers[0];
    const init = inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : '';
    throw badRequest(`a container name must be specified for pod ${this.pod.name}, choose one of: [${containers.join(' ')}]${init}`);
  }

  /** The kubelet's answer for a container that is not running (pkg/kubelet/kubelet_pods.go findContainer). */
  private runningOrThrow(name: string): RunningContainer {
    const c = this.pod.runningContainer(name);
    if (!c) throw new StatusError(500, 'InternalError', `container not found ("${name}")`);
    return c;
  }

  async exec(opts: ExecOptions, io: PodStreamIO): Promise<number> {
    const name = this.containerName(opts.container);
    const c = this.runningOrThrow(name);
    if (!Array.isArray(opts.command) || !opts.command.length || opts.command.some((a) => typeof a !== 'string'))
      throw badRequest('you must specify at least 1 command');
    if (this.running.size >= MAX_EXECS_PER_POD)
      throw new StatusError(429, 'TooManyRequests', `pod ${this.pod.name} already runs ${MAX_EXECS_PER_POD} exec sessions, the sandbox's limit per pod; end one first`);
    const kill = new AbortController();
    this.running.set(kill, name);
    const signal = AbortSignal.any([io.signal, kill.signal]);
    let stdin = io.stdin;
    let stdout: Writable = io.stdout ?? discard();
    let stderr: Writable = io.stderr ?? (io.tty ? stdout : discard());
    if (io.tty) {
      const term = openTerminal(io.stdin, io.stdout);
      stdin = term.input;
      stdout = term.output;
      stderr = term.output;
    }
    try {
      return await runProgram(
        { programs: c.image.programs, fs: c.fs, container: c.ctx },
        opts.command,
        { stdin, stdout, stderr, env: this.envOf(c.ctx), cwd: typeof c.spec.workingDir === 'string' ? c.spec.workingDir : '/', tty: io.tty, signal },
      );
    } finally {
      this.running.delete(kill);
    }
  }

  async attach(opts: AttachOptions, io: PodStreamIO): Promise<number> {
    const name = this.containerName(opts.container);
    const c = this.runningOrThrow(name);
    const main = c.workload;
    const controller = new AbortController();
    this.running.set(controller, name);
    const signal = AbortSignal.any([io.signal, controller.signal]);
    try {
      if (main instanceof MainProcess) return await this.attachProcess(main, io, signal);
      // A server has no stdin to attach to: its output is its log, from now on.
      if (c.log) for await (const line of c.log.read({ follow: true, tailLines: 0 }, signal)) if (io.stdout) writeTo(io.stdout, `${line}${io.tty ? '\r\n' : '\n'}`);
      return 0;
    } finally {
      this.running.delete(controller);
    }
  }

  private attachProcess(main: MainProcess, io: PodStreamIO, signal: AbortSignal): Promise<number> {
    return new Promise((resolve) => {
      const onOutput = main.onOutput((stream, chunk) => {
        const target = stream === 'stderr' && !io.tty ? io.stderr : io.stdout;
        if (target) writeTo(target, io.tty ? Buffer.from(chunk.toString().replace(/\r?\n/g, '\r\n')) : chunk);
      });
      let forward: ((c: Buffer) => void) | undefined;
      let source: Readable | undefined;
      if (io.stdin && main.stdin) {
        const into = main.stdin;
        // Echo and line editing as the container's pty would do (^D ends the line discipline's input).
        source = io.tty ? openTerminal(io.stdin, io.stdout).input : io.stdin;
        forward = (c: Buffer) => writeTo(into, c);
        source.on('data', forward);
        // stdinOnce (kubectl run -i): the process's stdin closes with the first client's.
        if (main.stdinOnce) source.once('end', () => into.end());
      }
      const done = (code: number) => {
        onOutput();
        offExit();
        if (forward) source?.off('data', forward);
        signal.removeEventListener('abort', onAbort);
        resolve(code);
      };
      const onAbort = () => done(0);
      const offExit = main.onExit((code) => done(code));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * A connection to `port` on the pod's "localhost": the private loopback address (where a meshed app binds),
   * then the pod IP (where an un-meshed app binds). Refused → the kubelet's message, as containerd words it
   * (internal/cri/server/sandbox_portforward_linux.go).
   */
  async portForward(port: number): Promise<Duplex> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw badRequest(`invalid port ${String(port)}`);
    const { podIP, localHost } = this.pod;
    const sandboxId = createHash('sha256').update(`sandbox/${this.pod.uid}`).digest('hex');
    if (!podIP || !localHost) throw new Error(`error forwarding port ${port} to pod ${sandboxId}, uid : pod is not running`);
    for (const host of [localHost, podIP]) {
      const socket = await dial(host, port);
      if (socket) return socket;
    }
    const netns = `cni-${sandboxId.slice(0, 8)}-${sandboxId.slice(8, 12)}-${sandboxId.slice(12, 16)}-${sandboxId.slice(16, 20)}-${sandboxId.slice(20, 32)}`;
    throw new Error(
      `error forwarding port ${port} to pod ${sandboxId}, uid : failed to execute portforward in network namespace "/var/run/netns/${netns}": ` +
        `failed to connect to localhost:${port} inside namespace "${sandboxId}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused ` +
        `IPv6 dial tcp6 [::1]:${port}: connect: connection refused `,
    );
  }

  /** Kill the exec'd and attached sessions of one container (it stopped). */
  killIn(container: string): void {
    for (const [controller, name] of this.running) if (name === container) controller.abort();
  }

  killAll(): void {
    for (const controller of this.running.keys()) controller.abort();
  }
}

function dial(host: string, port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, localAddress: host });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, PORT_FORWARD_CONNECT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // The caller adds its own handlers; until then a reset must not throw.
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}
