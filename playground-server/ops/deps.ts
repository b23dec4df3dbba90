// What the operation handlers share: the cluster connection, sessions, the store and the server's metrics.
import type { Logger } from 'pino';
import type { CheckRegistry } from '../checks/registry.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { PlaygroundStore } from '../storage/store.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { sessionRequired } from '../api/errors.js';
import type { KubectlIsolation } from '../terminal/isolation.js';
import type { TerminalRunLimiter } from '../terminal/run-limits.js';

export interface OpDeps {
  cluster: ClusterConnection;
  sessions: SessionManager;
  store: PlaygroundStore;
  metrics: ServerMetrics;
  checks: CheckRegistry;
  log: Logger;
  /** Where `kubectl` is, or undefined when it is not installed. */
  kubectlPath: string | undefined;
  /** How the terminal's kubectl is isolated (probed at startup; undefined without kubectl). */
  kubectlIsolation?: KubectlIsolation;
  /** Caps on terminal runs in progress, per session and server-wide. */
  terminalRuns?: TerminalRunLimiter;
}

/** The session of an operation that the dispatcher has already required one for. */
export function sessionOf(ctx: { session: ActiveSession | undefined }): ActiveSession {
  if (!ctx.session) throw sessionRequired();
  return ctx.session;
}
