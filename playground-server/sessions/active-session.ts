// A live session in the server: its record, a client carrying its namespace-scoped token, its idle clock,
// a private working directory for the terminal's kubectl, and an abort signal that fires when it ends.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schemas } from '../api/types.js';
import type { ClusterConnection } from '../kube/cluster-connection.js';
import type { KubeHttp } from '../kube/kube-http.js';
import type { SessionRecord } from '../storage/store.js';
import type { TerminalWorkDir } from '../terminal/isolation.js';

/**
 * lastSeen is written to the store at most this often (reads touch the clock on every operation), and a touch
 * not written yet is written when the interval ends: other replicas judge idleness from the store.
 */
const TOUCH_PERSIST_INTERVAL_MS = 30_000;

export class ActiveSession {
  readonly kube: KubeHttp;
  private lastSeen: number;
  private persistedAt: number;
  private readonly persistEveryMs: number;
  private trailingPersist?: NodeJS.Timeout;
  private workDir?: string;
  private readonly ended = new AbortController();
  /** Set while a benchmark runs (one at a time per session). */
  runningBenchmark?: { id: string; abort: AbortController };

  constructor(
    readonly record: SessionRecord,
    readonly clusterToken: string,
    private readonly cluster: ClusterConnection,
    readonly ttlMs: number,
    private readonly persistTouch: (id: string, at: string) => void,
    /** The replica serving it here (owner of the benchmarks it starts). */
    readonly replica?: string,
  ) {
    this.kube = cluster.forToken(clusterToken);
    this.lastSeen = Date.parse(record.lastSeenAt);
    this.persistedAt = this.lastSeen;
    // A short TTL (tests) still leaves the store several writes per TTL to see the session alive.
    this.persistEveryMs = Math.max(1, Math.min(TOUCH_PERSIST_INTERVAL_MS, ttlMs / 4));
  }

  get id(): string {
    return this.record.id;
  }

  get namespace(): string {
    return this.record.namespace;
  }

  /** Fires when the session ends (explicitly or by expiry): long operations stop. */
  get signal(): AbortSignal {
    return this.ended.signal;
  }

  get isEnded(): boolean {
    return this.ended.signal.aborted;
  }

  touch(now = Date.now()): void {
    this.lastSeen = Math.max(this.lastSeen, now);
    if (now - this.persistedAt >= this.persistEveryMs) this.persist();
    else if (!this.trailingPersist && !this.isEnded) {
      this.trailingPersist = setTimeout(() => this.persist(), this.persistedAt + this.persistEveryMs - now);
      this.trailingPersist.unref();
    }
  }

  private persist(): void {
    clearTimeout(this.trailingPersist);
    this.trailingPersist = undefined;
    if (this.isEnded || this.persistedAt >= this.lastSeen) return;
    this.persistedAt = this.lastSeen;
    this.persistTouch(this.id, new Date(this.lastSeen).toISOString());
  }

  /** Another replica served the session at `at` (read from the store): the idle clock starts from there. */
  seenElsewhere(at: number): void {
    if (Number.isFinite(at) && at > this.lastSeen) {
      this.lastSeen = at;
      this.persistedAt = Math.max(this.persistedAt, at);
    }
  }

  get lastSeenAt(): number {
    return this.lastSeen;
  }

  expiresAt(): Date {
    return new Date(this.lastSeen + this.ttlMs);
  }

  isExpired(now = Date.now()): boolean {
    return now - this.lastSeen > this.ttlMs;
  }

  kubeconfig(): string {
    return this.cluster.kubeconfigFor(this.clusterToken, this.namespace);
  }

  /** Terminal runs in progress (capped per session by the terminal operation). */
  terminalRuns = 0;

  /** A private 0700 directory holding the session's kubeconfig (0600) and kubectl's cache; `prepare` runs once when it is made. */
  terminalDir(prepare?: (work: TerminalWorkDir) => void): TerminalWorkDir {
    const paths = (dir: string) => ({ dir, kubeconfigPath: join(dir, 'kubeconfig'), cacheDir: join(dir, 'cache') });
    if (!this.workDir) {
      const dir = mkdtempSync(join(tmpdir(), `playground-${this.id}-`));
      const work = paths(dir);
      writeFileSync(work.kubeconfigPath, this.kubeconfig(), { mode: 0o600 });
      mkdirSync(work.cacheDir, { mode: 0o700 });
      prepare?.(work);
      this.workDir = dir;
    }
    return paths(this.workDir);
  }

  summary(workloads: Schemas['WorkloadReadiness'][]): Schemas['Session'] {
    return {
      id: this.id,
      namespace: this.namespace,
      apps: this.record.apps,
      createdAt: this.record.createdAt,
      expiresAt: this.expiresAt().toISOString(),
      ttlSeconds: Math.round(this.ttlMs / 1000),
      ready: workloads.length > 0 && workloads.every((w) => w.available >= w.desired),
      workloads,
    };
  }

  /** Stop everything the session runs in this process and remove its files. */
  dispose(): void {
    clearTimeout(this.trailingPersist);
    this.ended.abort();
    this.runningBenchmark?.abort.abort();
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
    this.workDir = undefined;
  }
}
