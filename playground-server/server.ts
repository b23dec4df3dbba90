// The playground server: the API (REST + WebSocket, one handler per OpenAPI operation), sessions backed
// by namespaces of whatever cluster the kubeconfig points at (through the Kubernetes API only), the
// results store, the server's own health and metrics, and the built site on the same origin.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import sirv from 'sirv';
import { Dispatcher } from './api/dispatcher.js';
import { ApiError } from './api/errors.js';
import { RestTransport, sendError } from './api/rest.js';
import { DEFAULT_RATE_LIMIT, TokenBucketLimiter, type RateLimitOptions } from './api/rate-limit.js';
import { loadSpec } from './api/spec.js';
import { notFoundHandler } from './api/not-found-page.js';
import { FrameContract, validateResponsesByDefault, type ContractViolation } from './api/frame-contract.js';
import { WsTransport } from './api/websocket.js';
import { allLessonChecks } from './checks/index.js';
import { ClusterConnection } from './kube/cluster-connection.js';
import { ServerMetrics } from './observability/metrics.js';
import { registerBenchmarkOps } from './ops/benchmarks.js';
import { registerConformanceOps } from './ops/conformance.js';
import type { OpDeps } from './ops/deps.js';
import { registerHealthOps } from './ops/health.js';
import { registerLessonOps } from './ops/lessons.js';
import { registerMeshOps } from './ops/mesh.js';
import { registerRequestOps } from './ops/requests.js';
import { registerResourceOps } from './ops/resources.js';
import { registerSessionOps } from './ops/sessions.js';
import { registerTerminalOps } from './ops/terminal.js';
import { SessionManager } from './sessions/session-manager.js';
import type { DatabaseTarget } from './storage/database-url.js';
import { openStore } from './storage/open-store.js';
import type { PlaygroundStore } from './storage/store.js';
import { ReplicaLease } from './sessions/replica-lease.js';
import { findKubectl } from './terminal/kubectl-runner.js';
import { probeIsolation, type KubectlIsolation } from './terminal/isolation.js';
import { TERMINAL_RUN_LIMITS, TerminalRunLimiter } from './terminal/run-limits.js';
import { contentSecurityPolicy, HostAllowList, inlineScriptHashes, setSecurityHeaders } from './api/http-guards.js';
import { SESSION_CLIENT_LIMITS, type SessionClientLimits } from './sessions/session-manager.js';

export interface PlaygroundServerOptions {
  host: string;
  port: number;
  kubeconfigPath: string;
  siteDir: string;
  /** SQLite lives at <dataDir>/playground.db; without it (and without `store` or `database`) results are kept in memory only. */
  dataDir?: string;
  /** The store to open (`--database`): PostgreSQL for several replicas, or SQLite at a path. */
  database?: DatabaseTarget;
  store?: PlaygroundStore;
  /** This replica's lease in the store (default REPLICA_LEASE: 15 s, renewed every 5 s). */
  replicaLease?: { durationMs?: number; renewEveryMs?: number };
  /** Idle time before a session ends and its namespace is deleted (default 3600 s). */
  sessionTtlSeconds?: number;
  /** Most live sessions (default 100). */
  maxSessions?: number;
  /** Bound on a new session's sample apps becoming available (default 120 s). */
  readyTimeoutMs?: number;
  rateLimit?: RateLimitOptions;
  /** Origins besides the server's own that may use the API from a browser. */
  allowedOrigins?: string[];
  /** How often idle sessions are swept (default 30 s). */
  sweepIntervalMs?: number;
  /** kubectl for the terminal: a path, null for "not installed", or undefined to look in PATH. */
  kubectlPath?: string | null;
  logger?: Logger;
  logLevel?: string;
  heartbeatIntervalMs?: number;
  /** Host header values the server answers to (default: the loopback names with and without the port). */
  allowedHosts?: string[];
  /** Behind a reverse proxy: honour X-Forwarded-Proto (Secure cookies) and X-Forwarded-For (per-client limits). */
  trustProxy?: boolean;
  /** Per-client limits on creating and holding sessions. */
  sessionClientLimits?: SessionClientLimits;
  /** Terminal runs in progress, per session and server-wide. */
  terminalRunLimits?: { maxRunsPerSession: number; maxRunsPerServer: number };
  /** Check every answer against openapi/playground.yaml before it is sent (default: PLAYGROUND_VALIDATE_RESPONSES=1 or NODE_ENV=test). */
  validateResponses?: boolean;
}

export interface PlaygroundServer {
  url: string;
  dispatcher: Dispatcher;
  rest: RestTransport;
  sessions: SessionManager;
  store: PlaygroundStore;
  /** This replica's id in the store (owner of the benchmarks it runs). */
  replica: string;
  /** Answers that did not match the spec (only when answers are checked); tests fail on any. */
  contractViolations: readonly ContractViolation[];
  close(): Promise<void>;
}

export async function startPlaygroundServer(opts: PlaygroundServerOptions): Promise<PlaygroundServer> {
  if (!opts.allowedHosts?.length) HostAllowList.defaults(opts.host, opts.port); // a wildcard bind without named hosts fails here, before anything opens
  const log = opts.logger ?? pino({ level: opts.logLevel ?? process.env.LOG_LEVEL ?? 'info', base: { service: 'playground-server' } }, pino.destination({ dest: 2, sync: true }));
  const spec = loadSpec();
  const metrics = new ServerMetrics();
  const store = opts.store ?? (await openStore(opts.database, opts.dataDir));
  const cluster = ClusterConnection.fromFile(opts.kubeconfigPath);
  // Benchmarks a stopped replica left `running` can never finish: the lease says so instead of showing them
  // running forever, while the runs of replicas still alive stay untouched.
  const lease = new ReplicaLease(store, log, opts.replicaLease);
  await lease.start();
  const sessions = new SessionManager({
    replica: lease.id,
    cluster,
    store,
    metrics,
    log,
    ttlMs: (opts.sessionTtlSeconds ?? 3600) * 1000,
    maxSessions: opts.maxSessions ?? 100,
    readyTimeoutMs: opts.readyTimeoutMs ?? 120_000,
    clientLimits: opts.sessionClientLimits ?? SESSION_CLIENT_LIMITS,
  });
  const kubectlPath = opts.kubectlPath === null ? undefined : (opts.kubectlPath ?? findKubectl());
  const kubectlIsolation = kubectlPath ? await chooseIsolation(kubectlPath, log) : undefined;
  const deps: OpDeps = {
    cluster,
    sessions,
    store,
    metrics,
    checks: allLessonChecks(store),
    log,
    kubectlPath,
    kubectlIsolation,
    terminalRuns: new TerminalRunLimiter(opts.terminalRunLimits ?? TERMINAL_RUN_LIMITS),
  };
  const dispatcher = new Dispatcher(spec, metrics, log);
  registerHealthOps(dispatcher, deps);
  registerSessionOps(dispatcher, deps);
  registerResourceOps(dispatcher, deps);
  registerRequestOps(dispatcher, deps);
  registerMeshOps(dispatcher, deps);
  registerLessonOps(dispatcher, deps);
  const benchBuiltins = registerBenchmarkOps(dispatcher, deps);
  const conformanceBuiltins = registerConformanceOps(dispatcher, deps);
  registerTerminalOps(dispatcher, deps, { ...benchBuiltins, ...conformanceBuiltins });
  dispatcher.assertComplete();

  const limiter = new TokenBucketLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  const allowedOrigins = opts.allowedOrigins ?? [];
  const resolveSession = (token: string | undefined) => sessions.resolve(token);
  const trust = { trustProxy: opts.trustProxy ?? false };
  // The Host allow-list needs the port, known after listen (port 0 in tests); until then nothing is served.
  let hosts: HostAllowList | undefined;
  const hostAllowed = (host: string | undefined) => hosts?.allows(host) ?? false;
  const contract = (opts.validateResponses ?? validateResponsesByDefault()) ? new FrameContract(spec, log) : undefined;
  const rest = new RestTransport({ dispatcher, limiter, resolveSession, allowedOrigins, trust, log, contract });
  const ws = new WsTransport({ dispatcher, limiter, metrics, resolveSession, allowedOrigins, trust, hostAllowed, log, heartbeatIntervalMs: opts.heartbeatIntervalMs, contract });
  const site = sirv(opts.siteDir, { etag: true, gzip: false, single: false, dev: false });
  const csp = contentSecurityPolicy(inlineScriptHashes(opts.siteDir));
  const notFound = notFoundHandler(opts.siteDir);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    setSecurityHeaders(res, csp);
    // Liveness/readiness stay reachable by address (a kubelet probes the pod IP); they reveal nothing.
    const probe = (req.method === 'GET' || req.method === 'HEAD') && /^\/(healthz|readyz)(\?|$)/.test(req.url ?? '');
    if (!probe && !hostAllowed(req.headers.host)) {
      req.resume();
      return sendError(res, HostAllowList.refusal(req.headers.host));
    }
    try {
      if (rest.handle(req, res)) return;
    } catch (err) {
      log.error({ err: (err as Error).message }, 'request handling failed');
      return sendError(res, new ApiError(500, 'InternalError', 'the server failed to handle the request'));
    }
    site(req, res, () => notFound(req, res));
  });
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  sessions.startSweeper(opts.sweepIntervalMs ?? 30_000);
  const { port } = server.address() as AddressInfo;
  hosts = new HostAllowList(opts.allowedHosts, opts.host, port);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;
  log.info({ url }, 'playground server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    dispatcher,
    rest,
    sessions,
    store,
    replica: lease.id,
    contractViolations: contract?.violations ?? [],
    close: () =>
      (closing ??= (async () => {
        ws.close();
        sessions.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        cluster.close();
        await lease.release();
        if (!opts.store) await store.close();
      })()),
  };
}

/** Probes, once, how the terminal's kubectl can be isolated on this machine (terminal/isolation.ts). */
async function chooseIsolation(kubectlPath: string, log: Logger): Promise<KubectlIsolation> {
  const dir = mkdtempSync(join(tmpdir(), 'playground-probe-'));
  try {
    const work = { dir, kubeconfigPath: join(dir, 'kubeconfig'), cacheDir: join(dir, 'cache') };
    writeFileSync(work.kubeconfigPath, 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
    mkdirSync(work.cacheDir, { mode: 0o700 });
    return await probeIsolation(kubectlPath, work, log);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
