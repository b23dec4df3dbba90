// Terminal runs in progress are capped per session and across the server: each kubectl is a process of a
// few tens of MB, so 150 concurrent lines from one learner must not become 150 processes.
import { ApiError } from '../api/errors.js';
import type { ActiveSession } from '../sessions/active-session.js';

export const TERMINAL_RUN_LIMITS = Object.freeze({
  /** Lines running at once in one session. */
  maxRunsPerSession: 4,
  /** Lines running at once on the whole server. */
  maxRunsPerServer: 32,
});

export class TerminalRunLimiter {
  private running = 0;

  constructor(private readonly limits: { maxRunsPerSession: number; maxRunsPerServer: number } = TERMINAL_RUN_LIMITS) {}

  get inProgress(): number {
    return this.running;
  }

  /** Takes a slot or throws 429 naming the limit; the returned function gives it back (once). */
  acquire(session: ActiveSession): () => void {
    if (session.terminalRuns >= this.limits.maxRunsPerSession)
      throw new ApiError(429, 'TooManyRequests', `at most ${this.limits.maxRunsPerSession} terminal commands may run at once in a session (limit maxTerminalRunsPerSession); wait for one to finish or cancel it (Ctrl-C)`, { limit: 'maxTerminalRunsPerSession', value: this.limits.maxRunsPerSession, retryAfterSeconds: 1 });
    if (this.running >= this.limits.maxRunsPerServer)
      throw new ApiError(429, 'TooManyRequests', `the server is running its maximum of ${this.limits.maxRunsPerServer} terminal commands (limit maxTerminalRunsPerServer); try again in a moment`, { limit: 'maxTerminalRunsPerServer', value: this.limits.maxRunsPerServer, retryAfterSeconds: 2 });
    session.terminalRuns++;
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      session.terminalRuns--;
      this.running--;
    };
  }
}
