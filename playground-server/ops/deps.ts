// What the operation handlers share: the cluster connection, sessions, the store and the server's metrics.
import type { Logger } from 'pino';
import type { CheckRegistry } from '../checks/registry.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { PlaygroundStore } from '../storage/store.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { sessionRequired } from '../api/errors.js';

export interface OpDeps {
  cluster: ClusterConnection;
  sessions: SessionManager;
  store: PlaygroundStore;
  metrics: ServerMetrics;
  checks: CheckRegistry;
  log: Logger;
  /** Where `kubectl` is, or undefined when it is not installed. */
  kubectlPath: string | undefined;
}

/** The session of an operation that the dispatcher has already required one for. */
export function sessionOf(ctx: { session: ActiveSession | undefined }): ActiveSession {
  if (!ctx.session) throw sessionRequired();
  return ctx.session;
}
