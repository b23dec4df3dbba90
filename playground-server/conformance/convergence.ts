// Eventual consistency as upstream's http.AwaitConvergence waits for it: try until `requiredConsecutiveSuccesses`
// tries in a row succeed, pausing `pollIntervalMs` after a failure (none after a success), failing at the deadline.
// Upstream's defaults (config.DefaultTimeoutConfig) are 30 s, 3 in a row, 100 ms; the runner's are below.

export interface ConvergenceConfig {
  maxTimeToConsistencyMs: number;
  requiredConsecutiveSuccesses: number;
  pollIntervalMs: number;
}

/** Shorter than upstream's 30 s: the sandbox's control plane converges in well under a second. */
export const DEFAULT_CONVERGENCE: ConvergenceConfig = { maxTimeToConsistencyMs: 15_000, requiredConsecutiveSuccesses: 3, pollIntervalMs: 100 };

export class ConvergenceError extends Error {}

/**
 * `attempt` resolves with undefined on success or a reason on failure; the last reason is the error's message.
 * `signal` aborts the wait (Ctrl-C).
 */
export async function awaitConvergence(attempt: () => Promise<string | undefined>, config: ConvergenceConfig, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + config.maxTimeToConsistencyMs;
  let successes = 0;
  let attempts = 0;
  let lastReason = '';
  for (;;) {
    if (signal?.aborted) throw new ConvergenceError('interrupted');
    if (Date.now() >= deadline) throw new ConvergenceError(`timeout while waiting after ${attempts} attempts: ${lastReason}`);
    const reason = await attempt();
    attempts++;
    if (reason === undefined) {
      if (++successes >= config.requiredConsecutiveSuccesses) return;
      continue;
    }
    lastReason = reason;
    successes = 0;
    if (Date.now() + config.pollIntervalMs >= deadline) throw new ConvergenceError(`timeout while waiting after ${attempts} attempts, 0/${config.requiredConsecutiveSuccesses} successes: ${lastReason}`);
    await new Promise((r) => setTimeout(r, config.pollIntervalMs));
  }
}
