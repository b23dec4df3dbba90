// Sessions: create (namespace + credentials + sample apps), resume by token, resolve a request's token,
// end (namespace deleted; results and progress kept) and expire idle ones on a timer. The store is the truth
// and this replica's map a cache of live sessions: several replicas may share one store, so any of them
// re-attaches a session it did not create (a fresh cluster token from the TokenRequest API), every request
// re-reads the record (a session another replica ended is gone here too), and expiry is a conditional update
// that exactly one replica wins before deleting the namespace.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { TokenBucketLimiter } from '../api/rate-limit.js';
import type { Schemas } from '../api/types.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { ServerMetrics } from '../observability/metrics.js';
import type { PlaygroundStore, SessionRecord } from '../storage/store.js';
import { ActiveSession } from './active-session.js';
import { listDeployments, NamespaceProvisioner, readinessOf, type ProgressSink } from './provisioner.js';
import { DEFAULT_APPS, type SampleApp } from './sample-apps.js';

export const TOKEN_PREFIX = 'pgs_';
const TOKEN_PATTERN = /^pgs_[A-Za-z0-9_-]{43}$/;

export interface SessionManagerOptions {
  /** This replica's id (ReplicaLease): the owner recorded on the benchmarks its sessions run. */
  replica?: string;
  cluster: ClusterConnection;
  store: PlaygroundStore;
  metrics: ServerMetrics;
  log: Logger;
  /** Idle time after which a session ends and its namespace is deleted. */
  ttlMs: number;
  /** Most live sessions at once. */
  maxSessions: number;
  /** Bound on waiting for the sample apps to become available. */
  readyTimeoutMs: number;
  /** Per-client limits on creating and holding sessions (default SESSION_CLIENT_LIMITS). */
  clientLimits?: SessionClientLimits;
}

export interface SessionClientLimits {
  /** Sessions one client may create at once (the bucket's size)… */
  createBurst: number;
  /** …refilled at this many per minute. */
  createPerMinute: number;
  /** Live sessions one client may hold. */
  maxLivePerClient: number;
}

/** One client (an address; X-Forwarded-For only behind a trusted proxy) cannot fill every session slot. */
export const SESSION_CLIENT_LIMITS: SessionClientLimits = Object.freeze({ createBurst: 10, createPerMinute: 6, maxLivePerClient: 10 });

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionManager {
  private live = new Map<string, ActiveSession>(); // by token hash
  private provisioning = 0;
  private sweeper?: NodeJS.Timeout;
  readonly provisioner: NamespaceProvisioner;
  private readonly clientLimits: SessionClientLimits;
  private readonly creations: TokenBucketLimiter;
  /** Session id → the client that created it (live and provisioning sessions only). */
  private readonly clientOf = new Map<string, string>();

  constructor(private readonly opts: SessionManagerOptions) {
    this.provisioner = new NamespaceProvisioner(opts.cluster, opts.readyTimeoutMs);
    this.clientLimits = opts.clientLimits ?? SESSION_CLIENT_LIMITS;
    this.creations = new TokenBucketLimiter({
      perSecond: this.clientLimits.createPerMinute / 60,
      burst: this.clientLimits.createBurst,
      limit: 'sessionCreationsPerClient',
      describe: (retry) => `too many new sessions from your address: the limit is ${this.clientLimits.createBurst} at once, then ${this.clientLimits.createPerMinute} per minute (sessionCreationsPerClient); retry in ${retry} s`,
    });
  }

  private liveSessionsOf(client: string): number {
    let n = 0;
    for (const c of this.clientOf.values()) if (c === client) n++;
    return n;
  }

  /** Throws 429 naming the limit when `client` may not create a session now. */
  private admitClient(client: string): void {
    const held = this.liveSessionsOf(client);
    if (held >= this.clientLimits.maxLivePerClient)
      throw new ApiError(429, 'TooManyRequests', `your address already holds ${held} live sessions, the limit (maxLiveSessionsPerClient ${this.clientLimits.maxLivePerClient}); end one (endSession) or let it expire`, { limit: 'maxLiveSessionsPerClient', value: this.clientLimits.maxLivePerClient, retryAfterSeconds: 60 });
    this.creations.take(client);
  }

  get activeCount(): number {
    return this.live.size;
  }

  async create(requested: SampleApp[] | undefined, progress: ProgressSink, signal?: AbortSignal, client = 'unknown'): Promise<{ session: ActiveSession; token: string }> {
    // The client's own limits first: a flooding client is told to slow down (429), not that the playground is full.
    this.admitClient(client);
    const apps = requested ?? DEFAULT_APPS;
    const id = randomBytes(5).toString('hex').slice(0, 8);
    this.clientOf.set(id, client);
    let created = false;
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const namespace = `pg-${id}`;
    const now = new Date().toISOString();
    this.provisioning++; // before the count below awaits, so this replica's concurrent creates see each other
    try {
      // The cap is the whole playground's: sessions live in the store, whichever replica created them.
      const live = (await this.opts.store.liveSessions()).length;
      if (live + this.provisioning > this.opts.maxSessions)
        throw new ApiError(503, 'SessionCapacity', `the playground is full (${this.opts.maxSessions} sessions); try again in a few minutes`, { limit: 'maxSessions', value: this.opts.maxSessions, retryAfterSeconds: 60 });
      let clusterToken: string;
      try {
        clusterToken = await this.provisioner.provision(namespace, id, apps, progress, signal);
      } catch (err) {
        // Nothing half-made stays behind.
        await this.provisioner.deleteNamespace(namespace).catch(() => undefined);
        throw err;
      }
      const record: SessionRecord = { id, tokenHash: hashToken(token), namespace, apps, createdAt: now, lastSeenAt: new Date().toISOString(), endedAt: null };
      await this.opts.store.saveSession(record);
      const session = this.activate(record, clusterToken);
      created = true;
      this.opts.log.info({ session: id, namespace, apps, client }, 'session created');
      return { session, token };
    } finally {
      this.provisioning--;
      if (!created) this.clientOf.delete(id);
    }
  }

  private activate(record: SessionRecord, clusterToken: string): ActiveSession {
    const session = new ActiveSession(record, clusterToken, this.opts.cluster, this.opts.ttlMs, (sid, at) => {
      this.opts.store.touchSession(sid, at).catch((err: Error) => this.opts.log.warn({ err: err.message }, 'could not persist lastSeen'));
    }, this.opts.replica);
    this.live.set(record.tokenHash, session);
    this.opts.metrics.sessions.set(this.live.size);
    return session;
  }

  /** The live session for a token, re-attached from the store (after a restart, or made by another replica); undefined if none. */
  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token || !TOKEN_PATTERN.test(token)) return undefined;
    const hash = hashToken(token);
    // The store first, even for a session live here: another replica may have ended it or seen it since.
    const record = await this.opts.store.sessionByTokenHash(hash);
    const live = this.live.get(hash);
    if (!record || record.endedAt) {
      if (live) this.forget(live, 'ended elsewhere');
      return undefined;
    }
    if (live) {
      live.seenElsewhere(Date.parse(record.lastSeenAt));
      if (!live.isExpired()) return live;
      await this.expire(live);
      return this.live.get(hash);
    }
    if (Date.now() - Date.parse(record.lastSeenAt) > this.opts.ttlMs) return undefined;
    // No cluster token was stored, so the session gets a fresh one (TokenRequest API). If the cluster lost
    // the namespace too, the session resolves without one and resumeSession re-creates it.
    let clusterToken = '';
    try {
      clusterToken = await this.provisioner.issueToken(record.namespace);
    } catch (err) {
      this.opts.log.warn({ session: record.id, err: (err as Error).message }, 'could not issue a cluster token for a re-attached session');
    }
    return this.live.get(hash) ?? this.activate(record, clusterToken);
  }

  /** Resume: the session again, with its namespace and credentials re-created if the cluster lost them. */
  async resume(token: string, progress: ProgressSink, signal?: AbortSignal): Promise<ActiveSession> {
    const session = await this.resolve(token);
    if (!session) throw new ApiError(401, 'SessionExpired', 'that session has ended or expired; start a new one (createSession)');
    if (await this.clusterStillHas(session)) return session;
    this.opts.log.info({ session: session.id }, 'the cluster lost the session; re-creating its namespace');
    const clusterToken = await this.provisioner.provision(session.namespace, session.id, session.record.apps, progress, signal);
    const record: SessionRecord = { ...session.record, lastSeenAt: new Date().toISOString() };
    await this.opts.store.saveSession(record);
    session.dispose();
    return this.activate(record, clusterToken);
  }

  private async clusterStillHas(session: ActiveSession): Promise<boolean> {
    if (!(await this.provisioner.namespaceExists(session.namespace))) return false;
    try {
      await listDeployments(session.kube, session.namespace);
      return true;
    } catch (err) {
      if (err instanceof ApiError && (err.code === 401 || err.code === 403)) return false;
      throw err;
    }
  }

  async describe(session: ActiveSession, signal?: AbortSignal): Promise<Schemas['Session']> {
    const { items } = await listDeployments(session.kube, session.namespace, signal);
    return session.summary(items.map(readinessOf));
  }

  async end(session: ActiveSession, why: 'ended' | 'expired'): Promise<void> {
    this.forget(session);
    await this.opts.store.endSession(session.id, new Date().toISOString());
    await this.provisioner.deleteNamespace(session.namespace);
    this.opts.log.info({ session: session.id, namespace: session.namespace, why }, 'session ended');
  }

  /** Drops a session from this replica only (its runs stop, its files go); the store and the cluster are left as they are. */
  private forget(session: ActiveSession, why?: string): void {
    if (this.live.get(session.record.tokenHash) === session) this.live.delete(session.record.tokenHash);
    this.clientOf.delete(session.id);
    this.opts.metrics.sessions.set(this.live.size);
    session.dispose();
    if (why) this.opts.log.info({ session: session.id, why }, 'session dropped from this replica');
  }

  /**
   * A session idle here: ended only if the store agrees it is idle (another replica may be serving it). The
   * replica whose conditional update wins deletes the namespace; the others just drop their copy.
   */
  private async expire(session: ActiveSession, now = Date.now()): Promise<boolean> {
    const ended = await this.opts.store.endIdleSession(session.id, new Date(now - this.opts.ttlMs).toISOString(), new Date(now).toISOString());
    if (ended) {
      this.forget(session);
      await this.provisioner.deleteNamespace(session.namespace);
      this.opts.log.info({ session: session.id, namespace: session.namespace, why: 'expired' }, 'session ended');
      return true;
    }
    const record = await this.opts.store.sessionByTokenHash(session.record.tokenHash);
    if (!record || record.endedAt) this.forget(session, 'ended elsewhere');
    else session.seenElsewhere(Date.parse(record.lastSeenAt));
    return false;
  }

  /** End idle sessions, in memory and in the store (those left from before a restart or by other replicas too). */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    const liveInStore = new Set((await this.opts.store.liveSessions()).map((r) => r.id));
    for (const s of [...this.live.values()]) {
      if (!liveInStore.has(s.id)) {
        this.forget(s, 'ended elsewhere');
        continue;
      }
      if (s.isExpired(now)) {
        if (await this.expire(s, now).catch((err: Error) => void this.opts.log.warn({ err: err.message }, 'expiring a session failed'))) ended++;
      }
    }
    const before = new Date(now - this.opts.ttlMs).toISOString();
    for (const record of await this.opts.store.idleSessions(before)) {
      const here = this.live.get(record.tokenHash);
      if (here && !here.isExpired(now)) continue; // seen here lately; this replica persists it soon
      if (!(await this.opts.store.endIdleSession(record.id, before, new Date(now).toISOString()))) continue;
      if (here) this.forget(here);
      await this.provisioner.deleteNamespace(record.namespace).catch(() => undefined);
      ended++;
    }
    return ended;
  }

  startSweeper(intervalMs: number): void {
    this.sweeper = setInterval(() => {
      this.sweep().catch((err: Error) => this.opts.log.warn({ err: err.message }, 'session sweep failed'));
    }, intervalMs);
    this.sweeper.unref();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const s of this.live.values()) s.dispose();
    this.live.clear();
  }
}
