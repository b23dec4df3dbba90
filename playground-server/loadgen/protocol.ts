// The generator protocol: what a coordinator sends a load generator and what the generator sends back.
// It is plain JSON so the same generator runs as a worker thread (messages), as a child process or a
// Kubernetes Job pod (spec in an env var or argument, JSON lines on stdout). See README.md in this folder.

export const GENERATOR_PROTOCOL = 'mesh-playground.loadgen/v1';

/** What one generator is asked to do. Rates and connections are this generator's share. */
export interface GeneratorSpec {
  protocol: typeof GENERATOR_PROTOCOL;
  generatorId: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  insecure?: boolean;
  /** Open model: the whole test's arrival rate; this generator sends every `stride`-th request of it. */
  totalRps: number | null;
  /** Number of generators sharing the schedule (1 for a single generator). */
  stride: number;
  /** Which slot of the shared schedule is this generator's (0 ≤ phase < stride). */
  phase: number;
  connections: number;
  durationMs: number;
  warmupMs: number;
  timeoutMs: number;
  /** Epoch ms at which the schedule starts; absent → start when the coordinator says so (or at once). */
  startAtEpochMs?: number;
  /**
   * Dial this address instead of the URL's host (curl's --connect-to); requests still carry `Host:` from
   * the URL. How a generator pod's traffic leaves through the pod's network (its sidecar, or a clusterIP).
   */
  connectTo?: ConnectTo;
  /** Wire protocol (absent → http1): HTTP/2 sessions (h2-client.ts) or unary gRPC calls over them. */
  wire?: 'http1' | 'h2' | 'grpc';
  /** h2/grpc: concurrent streams per session (closed model); absent → 1. */
  streams?: number;
  /** grpc: `/pkg.Svc/Method` (absent → grpc.health.v1.Health/Check); the request message is `body`, base64. */
  grpcMethod?: string;
}

export interface ConnectTo {
  host: string;
  port: number;
  /** Local address to dial from (the pod's own address). */
  localAddress?: string;
  /** Sent first on each connection: the PROXY line a meshed pod's sidecar reads its original destination from. */
  preamble?: string;
}

/** Per-second progress of one generator (the histogram is that second's corrected latencies). */
export interface GeneratorProgress {
  type: 'progress';
  generatorId: number;
  /** 1-based second of the measured window this interval ends. */
  second: number;
  responses: number;
  errors: number;
  histogram: string;
}

/** What a run counted: one generator's counts in its report, every generator's summed in a LoadResult. */
export interface RunCounts {
  /** Sends the schedule intended within the measured window. */
  scheduled: number;
  sent: number;
  responses: number;
  statusCodes: Record<string, number>;
  errors: Record<string, number>;
  /** Intended sends never made: backlog overflow, or still queued when the run ended. */
  droppedSends: number;
  /** Sends made more than LATE_SEND_THRESHOLD_US after their intended time. */
  lateSends: number;
  maxSendDelayMicros: number;
  /** Requests in flight when the run was cancelled (neither responses nor errors). */
  cancelledRequests: number;
  bytesRead: number;
  /**
   * CPU time (µs) the generator used over the measured window: its process, or its own thread(s) when it is a
   * worker thread (generator-cpu.ts). Absent when it could not be measured (and in reports of older generators).
   */
  cpuMicros?: number;
  cancelled: boolean;
}

/** A generator's complete result: counts plus encoded histograms, mergeable without loss. */
export interface GeneratorReport extends RunCounts {
  type: 'result';
  protocol: typeof GENERATOR_PROTOCOL;
  generatorId: number;
  model: 'open' | 'closed';
  connections: number;
  /** This generator's share of the requested rate (null in the closed model). */
  requestedRps: number | null;
  startEpochMs: number;
  measureStartEpochMs: number;
  /** When the last measured request finished (or the run was cancelled). */
  endEpochMs: number;
  histograms: {
    /** From the intended start (open model); equal to `uncorrected` in the closed model. */
    corrected: string;
    /** From the actual send. */
    uncorrected: string;
    /** Elapsed time of requests that failed without a response. */
    errors: string;
    /** Non-2xx responses, from the intended start like `corrected` (absent from older generators: none). */
    statusErrors?: string;
    /** Requests that failed without a response, from the intended start (absent from older generators: none). */
    transportErrors?: string;
  };
}

export interface GeneratorFailure {
  type: 'error';
  generatorId: number;
  message: string;
}

export interface GeneratorReady {
  type: 'ready';
  generatorId: number;
}

export type GeneratorMessage = GeneratorProgress | GeneratorReport | GeneratorFailure | GeneratorReady;

/** Coordinator → worker control messages. */
export type CoordinatorMessage = { type: 'start'; atEpochMs: number } | { type: 'abort' };

function fail(field: string, why: string): never {
  throw new Error(`generator spec: ${field} ${why}`);
}

function num(o: Record<string, unknown>, field: string, min: number, integer = false): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    fail(field, `must be ${integer ? 'an integer' : 'a number'} ≥ ${min} (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** Validate a spec from outside (env var, argv, message). Throws an Error naming the bad field. */
export function parseGeneratorSpec(input: unknown): GeneratorSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('spec', 'must be a JSON object');
  const o = input as Record<string, unknown>;
  if (o.protocol !== GENERATOR_PROTOCOL) fail('protocol', `must be "${GENERATOR_PROTOCOL}"`);
  if (typeof o.url !== 'string') fail('url', 'must be a string');
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    fail('url', `is not a URL: ${o.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('url', 'must be http:// or https://');
  if (typeof o.method !== 'string' || !/^[A-Z]+$/.test(o.method)) fail('method', 'must be an upper-case HTTP method');
  const headers = o.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')) fail('headers', 'must map names to strings');
  if (o.body !== undefined && typeof o.body !== 'string') fail('body', 'must be a string');
  const totalRps = o.totalRps === null ? null : num(o, 'totalRps', Number.MIN_VALUE);
  const stride = num(o, 'stride', 1, true);
  const phase = num(o, 'phase', 0, true);
  if (phase >= stride) fail('phase', `must be < stride (${stride})`);
  const spec: GeneratorSpec = {
    protocol: GENERATOR_PROTOCOL,
    generatorId: num(o, 'generatorId', 0, true),
    url: url.href,
    method: o.method,
    headers: headers as Record<string, string>,
    totalRps,
    stride,
    phase,
    connections: num(o, 'connections', 1, true),
    durationMs: num(o, 'durationMs', 1),
    warmupMs: num(o, 'warmupMs', 0),
    timeoutMs: num(o, 'timeoutMs', 1),
  };
  if (o.body !== undefined) spec.body = o.body as string;
  if (o.insecure !== undefined) spec.insecure = o.insecure === true;
  if (o.startAtEpochMs !== undefined) spec.startAtEpochMs = num(o, 'startAtEpochMs', 0);
  if (o.connectTo !== undefined) spec.connectTo = parseConnectTo(o.connectTo);
  if (o.wire !== undefined) {
    if (o.wire !== 'http1' && o.wire !== 'h2' && o.wire !== 'grpc') fail('wire', `must be http1, h2 or grpc (got ${JSON.stringify(o.wire)})`);
    spec.wire = o.wire;
  }
  if (o.streams !== undefined) {
    spec.streams = num(o, 'streams', 1, true);
    if (spec.streams > 1000) fail('streams', `must be at most 1000 (got ${spec.streams})`);
  }
  if (o.grpcMethod !== undefined) {
    if (typeof o.grpcMethod !== 'string' || !/^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/.test(o.grpcMethod) || o.grpcMethod.length > 256) fail('grpcMethod', 'must be /package.Service/Method, at most 256 characters');
    spec.grpcMethod = o.grpcMethod;
  }
  return spec;
}

function parseConnectTo(input: unknown): ConnectTo {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('connectTo', 'must be an object {host, port, localAddress?}');
  const c = input as Record<string, unknown>;
  if (typeof c.host !== 'string' || c.host === '') fail('connectTo.host', 'must be a non-empty string');
  const port = c.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) fail('connectTo.port', `must be a port 1-65535 (got ${JSON.stringify(port)})`);
  if (c.localAddress !== undefined && (typeof c.localAddress !== 'string' || c.localAddress === '')) fail('connectTo.localAddress', 'must be a non-empty string');
  if (c.preamble !== undefined && (typeof c.preamble !== 'string' || !/^PROXY TCP4 [\d. ]+\r\n$/.test(c.preamble))) fail('connectTo.preamble', 'must be a PROXY TCP4 line');
  return {
    host: c.host,
    port,
    ...(c.localAddress !== undefined ? { localAddress: c.localAddress as string } : {}),
    ...(c.preamble !== undefined ? { preamble: c.preamble as string } : {}),
  };
}
