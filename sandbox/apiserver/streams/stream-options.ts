// The query of pods/exec, pods/attach and pods/portforward, validated, and the API server's own checks of the pod
// before anything is upgraded (pkg/registry/core/pod/strategy.go streamLocation), worded as upstream words them.
import { badRequest, StatusError } from '../errors.js';
import type { KubeObject } from '../store.js';

export interface StreamRequest {
  command: string[];
  container?: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

const MAX_COMMAND_ARGS = 1024;
const MAX_COMMAND_BYTES = 128 * 1024;
/** Ports one WebSocket port-forward may ask for (upstream has no limit; each is a dial into the pod). */
const MAX_PORTS = 32;

function bool(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw badRequest(`${name}: Invalid value: ${JSON.stringify(raw)}: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
}

export function parseStreamRequest(query: URLSearchParams, kind: 'exec' | 'attach'): StreamRequest {
  const command = kind === 'exec' ? query.getAll('command') : [];
  if (kind === 'exec' && command.length === 0) throw badRequest('you must specify at least 1 command');
  if (command.length > MAX_COMMAND_ARGS || command.reduce((n, a) => n + a.length, 0) > MAX_COMMAND_BYTES) throw badRequest('command: Too long: the command line is too long');
  const tty = bool(query, 'tty');
  const req: StreamRequest = { command, stdin: bool(query, 'stdin'), stdout: bool(query, 'stdout'), stderr: bool(query, 'stderr'), tty };
  const container = query.get('container');
  if (container) req.container = container;
  // remotecommand.NewOptions: a TTY merges stderr into stdout.
  if (tty && req.stderr) req.stderr = false;
  if (!req.stdin && !req.stdout && !req.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return req;
}

/** portforward/websocket.go NewV4Options: `ports` (repeated or comma-separated) for the WebSocket protocol. */
export function parsePorts(query: URLSearchParams): number[] {
  const raw = query.getAll('ports');
  if (raw.length === 0) throw badRequest('query parameter "ports" is required');
  const ports: number[] = [];
  for (const value of raw) {
    if (value === '') throw badRequest('query parameter "ports" cannot be empty');
    for (const p of value.split(',')) {
      if (!/^\d+$/.test(p) || Number(p) > 65535) throw badRequest(`unable to parse ${JSON.stringify(value)} as a port: strconv.ParseUint: parsing ${JSON.stringify(p)}: ${/^\d+$/.test(p) ? 'value out of range' : 'invalid syntax'}`);
      if (Number(p) < 1) throw badRequest(`port ${JSON.stringify(value)} must be > 0`);
      ports.push(Number(p));
    }
  }
  if (ports.length > MAX_PORTS) throw badRequest(`too many ports: at most ${MAX_PORTS} per connection`);
  return ports;
}

interface PodShape {
  spec?: { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }>; ephemeralContainers?: Array<{ name: string }> };
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; ephemeralContainerStatuses?: ContainerStatus[] };
}
interface ContainerStatus {
  name: string;
  state?: { running?: unknown };
}

/** The container a stream goes to: the one asked for if the pod has it, else the pod's only one (streamLocation). */
export function resolveContainer(pod: KubeObject, requested: string | undefined): string {
  const p = pod as unknown as PodShape;
  const name = pod.metadata.name ?? '';
  const containers = (p.spec?.containers ?? []).map((c) => c.name);
  const init = (p.spec?.initContainers ?? []).map((c) => c.name);
  const ephemeral = (p.spec?.ephemeralContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0];
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (init.length) message += ` or one of the init containers: [${init.join(' ')}]`;
    throw badRequest(message);
  }
  if (![...containers, ...init, ...ephemeral].includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/**
 * The kubelet finds no running container of that name (kubelet GetExec/GetAttach: `container not found ("c")`,
 * through the API server's WebSocket-to-SPDY translator an InternalError on the error channel).
 */
export function containerNotRunning(pod: KubeObject, container: string): StatusError | undefined {
  const status = pod as unknown as PodShape;
  const all = [...(status.status?.containerStatuses ?? []), ...(status.status?.initContainerStatuses ?? []), ...(status.status?.ephemeralContainerStatuses ?? [])];
  if (all.find((s) => s.name === container)?.state?.running) return undefined;
  return new StatusError(500, 'InternalError', `Internal error occurred: unable to upgrade connection: container not found (${JSON.stringify(container)})`, { causes: [{ message: `unable to upgrade connection: container not found (${JSON.stringify(container)})` }] });
}
