// The streaming pod subresources — pods/exec, pods/attach, pods/portforward — as the API server asks the node
// for them (the kubelet's job; the runtime implements PodStreamSource). The API server only speaks the wire
// protocols (WebSocket channel.k8s.io, SPDY) and turns the outcome into the client's Status.
import type { Duplex, Readable, Writable } from 'node:stream';

export interface TerminalSize {
  width: number;
  height: number;
}

/** The streams a client asked for; null where it did not (stdin=false, stderr=false, or merged by a TTY). */
export interface PodStreamIO {
  stdin: Readable | null;
  stdout: Writable | null;
  stderr: Writable | null;
  tty: boolean;
  /** Terminal resizes from the client (tty only). */
  onResize?(listener: (size: TerminalSize) => void): void;
  /** Aborted when the client goes away: the command is then killed (exit 137 is not reported to anyone). */
  signal: AbortSignal;
}

export interface ExecOptions {
  /** Empty means the pod's only container or its `kubectl.kubernetes.io/default-container`. */
  container?: string;
  command: string[];
}

export interface AttachOptions {
  container?: string;
}

export interface PodStreamSource {
  /**
   * Runs `command` in a running container and resolves its exit code. Throws a StatusError before any output
   * when the pod or container cannot be exec'd into (not found, not running, ambiguous container).
   */
  exec(namespace: string, pod: string, opts: ExecOptions, io: PodStreamIO): Promise<number>;
  /** Attaches to the container's main process until it exits (its exit code) or the client detaches. */
  attach(namespace: string, pod: string, opts: AttachOptions, io: PodStreamIO): Promise<number>;
  /**
   * A TCP connection to `port` inside the pod's network namespace (as the kubelet dials localhost:port there).
   * Rejects with an Error whose message is the kubelet's, e.g.
   * `error forwarding port 9080 to pod <uid>, uid : failed to execute portforward in network namespace …: connection refused`.
   */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex>;
}
