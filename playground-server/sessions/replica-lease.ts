// This server replica's lease in the shared store, renewed on a timer like a Kubernetes Lease (client-go's
// leader election defaults: 15 s lease, renewed well inside it). While it holds the lease, the benchmarks it
// runs stay `running` for every replica; when it stops cleanly it gives the lease up, and when it is killed
// the lease runs out. Each renewal also interrupts the runs of replicas whose lease ran out, so a run a killed
// replica left behind becomes `interrupted` on the replicas still up, not only at the next start.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { PlaygroundStore } from '../storage/store.js';

export const REPLICA_LEASE = Object.freeze({ durationMs: 15_000, renewEveryMs: 5_000 });

export const INTERRUPTED_REASON = 'the playground server stopped while this benchmark was running; run it again';

export class ReplicaLease {
  /** Unique per process: a restarted replica is a new owner, and its predecessor's runs are orphans. */
  readonly id = `${hostname().slice(0, 40)}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private timer?: NodeJS.Timeout;
  private readonly timing: { durationMs: number; renewEveryMs: number };

  constructor(
    private readonly store: PlaygroundStore,
    private readonly log: Logger,
    timing: Partial<{ durationMs: number; renewEveryMs: number }> = {},
  ) {
    this.timing = { ...REPLICA_LEASE, ...timing };
  }

  /** Takes the lease, then interrupts the runs nobody holds a lease for (at start, those from before leases too). */
  async start(): Promise<void> {
    await this.tick(Date.now(), true);
    this.timer = setInterval(() => {
      this.tick().catch((err: Error) => this.log.warn({ err: err.message }, 'renewing the replica lease failed'));
    }, this.timing.renewEveryMs);
    this.timer.unref();
  }

  private async tick(now = Date.now(), unowned = false): Promise<void> {
    await this.store.renewReplicaLease(this.id, new Date(now + this.timing.durationMs).toISOString());
    const interrupted = await this.store.interruptRunningBenchmarks(new Date(now).toISOString(), INTERRUPTED_REASON, unowned);
    if (interrupted) this.log.warn({ benchmarks: interrupted }, 'benchmarks left running by a stopped server replica were marked interrupted');
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.store.releaseReplicaLease(this.id).catch((err: Error) => this.log.warn({ err: err.message }, 'releasing the replica lease failed'));
  }
}
