// A session's background traffic generator (the terminal's `load`): open-loop requests at a fixed rate from a
// workload through its sidecar — the same path as `curl` (workloadSender) — so `tap`, `stat` and the topology show
// live traffic while the learner types. Bounded: a rate and a duration ceiling, requests in flight capped, one
// generator per session, stopped with the session.
import { setMaxListeners } from 'node:events';
import { ApiError, conflict, limitExceeded } from '../api/errors.js';
import type { OpParams } from '../api/types.js';
import { workloadSender } from '../requests/send-request.js';
import type { ActiveSession } from '../sessions/active-session.js';

export const LOAD_LIMITS = Object.freeze({
  maxRate: 100,
  maxDurationSeconds: 60,
  /** Requests awaiting an answer at once; a tick with no room counts its requests as skipped (open loop, stated). */
  maxInFlight: 50,
  requestTimeoutMs: 5000,
});
/** The scheduler's tick: requests due since the last tick are sent together (timers are coarse). */
const TICK_MS = 20;

export interface LoadSpec {
  rate: number;
  durationSeconds: number;
  url: string;
  from: string;
  headers: Record<string, string>;
}

export type LoadState = 'running' | 'finished' | 'stopped';

export interface LoadCounts {
  sent: number;
  answered: number;
  byClass: Record<'2xx' | '3xx' | '4xx' | '5xx' | 'other', number>;
  /** No HTTP answer: refused, reset, timed out. */
  errors: number;
  /** Due while maxInFlight requests were still waiting. */
  skipped: number;
  inFlight: number;
}

export interface LoadStatus {
  spec: LoadSpec;
  state: LoadState;
  elapsedSeconds: number;
  counts: LoadCounts;
  /** The first few distinct error messages. */
  errorSamples: string[];
}

type Send = Awaited<ReturnType<typeof workloadSender>>;
/** How the generator gets its sender (workloadSender; a test passes its own). */
export type SenderFactory = (session: ActiveSession, url: string, from: string, signal: AbortSignal) => Promise<Send>;

class LoadGenerator {
  private readonly abort = new AbortController();
  private readonly startedAt = Date.now();
  private endedAt?: number;
  private state: LoadState = 'running';
  private readonly counts: LoadCounts = { sent: 0, answered: 0, byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 }, errors: 0, skipped: 0, inFlight: 0 };
  private readonly errorSamples = new Set<string>();
  private due = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly onSessionEnd = () => this.stop();

  constructor(
    readonly spec: LoadSpec,
    private readonly send: Send,
    private readonly session: ActiveSession,
  ) {
    // Each request in flight (and the client calls under it) listens for the stop.
    setMaxListeners(LOAD_LIMITS.maxInFlight * 4, this.abort.signal);
    session.signal.addEventListener('abort', this.onSessionEnd, { once: true });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.tick();
  }

  private tick(): void {
    if (this.state !== 'running') return;
    const elapsedMs = Date.now() - this.startedAt;
    const durationMs = this.spec.durationSeconds * 1000;
    const target = Math.min(this.spec.rate * this.spec.durationSeconds, Math.floor((Math.min(elapsedMs, durationMs) * this.spec.rate) / 1000) + 1);
    while (this.due < target) {
      this.due++;
      if (this.counts.inFlight >= LOAD_LIMITS.maxInFlight) this.counts.skipped++;
      else this.fire();
    }
    if (elapsedMs >= durationMs) this.end('finished');
  }

  private fire(): void {
    this.counts.sent++;
    this.counts.inFlight++;
    const params: Omit<OpParams<'sendRequest'>, 'url' | 'from'> = { headers: this.spec.headers, timeoutMs: LOAD_LIMITS.requestTimeoutMs };
    this.send(params, this.abort.signal).then(
      (r) => {
        this.counts.answered++;
        const cls = `${Math.floor(r.status / 100)}xx`;
        this.counts.byClass[Object.hasOwn(this.counts.byClass, cls) ? (cls as keyof LoadCounts['byClass']) : 'other']++;
      },
      (err: unknown) => {
        if (this.abort.signal.aborted) return;
        this.counts.errors++;
        if (this.errorSamples.size < 3) this.errorSamples.add(err instanceof ApiError ? err.message : String(err));
      },
    ).finally(() => this.counts.inFlight--);
  }

  private end(state: LoadState): void {
    if (this.state !== 'running') return;
    this.state = state;
    this.endedAt = Date.now();
    clearInterval(this.timer);
    this.session.signal.removeEventListener('abort', this.onSessionEnd);
    // Requests still waiting get their answers (counted) unless stopped: a stop cancels them.
    if (state === 'stopped') this.abort.abort();
    else setTimeout(() => this.abort.abort(), LOAD_LIMITS.requestTimeoutMs + 5000).unref();
  }

  stop(): void {
    this.end('stopped');
  }

  get running(): boolean {
    return this.state === 'running';
  }

  status(): LoadStatus {
    return {
      spec: this.spec,
      state: this.state,
      elapsedSeconds: Math.round(((this.endedAt ?? Date.now()) - this.startedAt) / 100) / 10,
      counts: { ...this.counts, byClass: { ...this.counts.byClass } },
      errorSamples: [...this.errorSamples],
    };
  }
}

/** The last generator of each session (kept after it ends, for `load status`), dropped with the session object. */
const generators = new WeakMap<ActiveSession, LoadGenerator>();

/**
 * Starts the session's generator: resolves the target and the client pod first, so a wrong URL or workload is the
 * starting line's error. Refused (409) while another runs.
 */
export async function startLoad(session: ActiveSession, spec: LoadSpec, signal: AbortSignal, senderFor: SenderFactory = workloadSender): Promise<LoadStatus> {
  if (spec.rate < 1 || spec.rate > LOAD_LIMITS.maxRate || !Number.isInteger(spec.rate))
    throw limitExceeded('maxLoadRate', `load: the rate is a whole number of requests per second from 1 to ${LOAD_LIMITS.maxRate} (e.g. 50rps)`, { max: LOAD_LIMITS.maxRate });
  if (spec.durationSeconds < 1 || spec.durationSeconds > LOAD_LIMITS.maxDurationSeconds || !Number.isInteger(spec.durationSeconds))
    throw limitExceeded('maxLoadDurationSeconds', `load: the duration is a whole number of seconds from 1 to ${LOAD_LIMITS.maxDurationSeconds} (e.g. 10s)`, { max: LOAD_LIMITS.maxDurationSeconds });
  const current = generators.get(session);
  if (current?.running) throw runningAlready(current.status());
  const send = await senderFor(session, spec.url, spec.from, signal);
  // Checked again: another line may have started one while the target was resolved.
  const raced = generators.get(session);
  if (raced?.running) throw runningAlready(raced.status());
  if (session.isEnded) throw conflict('Conflict', 'load: the session has ended');
  const generator = new LoadGenerator(spec, send, session);
  generators.set(session, generator);
  return generator.status();
}

function runningAlready(s: LoadStatus): ApiError {
  return conflict('Conflict', `load: a generator is already running in this session (${s.spec.rate} rps to ${s.spec.url}, ${s.elapsedSeconds} of ${s.spec.durationSeconds} s); one at a time — "load stop" stops it`);
}

export function loadStatus(session: ActiveSession): LoadStatus | undefined {
  return generators.get(session)?.status();
}

/** Stops the running generator; its final status, or undefined when none was running. */
export function stopLoad(session: ActiveSession): LoadStatus | undefined {
  const g = generators.get(session);
  if (!g?.running) return undefined;
  g.stop();
  return g.status();
}
