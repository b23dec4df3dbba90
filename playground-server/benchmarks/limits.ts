// The per-session benchmark limits, in one place for every door a load spec comes through: the server's
// benchmark form (startBenchmark, the terminal's `bench`) and the generator itself, which checks the spec
// it was handed (LOADGEN_SPEC) — a learner can write a generator pod by hand, so the form is not enough.
import type { GeneratorSpec } from '../loadgen/protocol.js';

export const BENCHMARK_LIMITS = Object.freeze({
  maxRps: 2000,
  maxDurationSeconds: 60,
  maxConnections: 64,
  maxGenerators: 4,
  /** h2/grpc: concurrent streams per HTTP/2 connection (requests in flight: connections × streams). */
  maxStreams: 16,
  /** Per-request timeout of a generator (the server's runs use exactly this). */
  maxRequestTimeoutMs: 5000,
  /** Adaptive mode (`slo`): steps of one search, and seconds of load over all its steps. */
  maxAdaptiveSteps: 8,
  maxAdaptiveSeconds: 120,
});

/** Why a generator spec is over the limits (naming the limit), or undefined when it is within them. */
export function generatorSpecOverLimits(spec: GeneratorSpec, limits = BENCHMARK_LIMITS): string | undefined {
  if (spec.connections > limits.maxConnections) return `connections ${spec.connections} is over the limit of ${limits.maxConnections} (maxConnections)`;
  if (spec.totalRps !== null && spec.totalRps > limits.maxRps) return `totalRps ${spec.totalRps} is over the limit of ${limits.maxRps} requests per second (maxRps)`;
  const runMs = spec.durationMs + spec.warmupMs;
  if (runMs > limits.maxDurationSeconds * 1000) return `durationMs + warmupMs ${runMs} is over the limit of ${limits.maxDurationSeconds} s (maxDurationSeconds)`;
  if (spec.stride > limits.maxGenerators) return `stride ${spec.stride} (generators) is over the limit of ${limits.maxGenerators} (maxGenerators)`;
  if (spec.streams !== undefined && spec.streams > limits.maxStreams) return `streams ${spec.streams} is over the limit of ${limits.maxStreams} per connection (maxStreams)`;
  if (spec.timeoutMs > limits.maxRequestTimeoutMs) return `timeoutMs ${spec.timeoutMs} is over the limit of ${limits.maxRequestTimeoutMs} ms (maxRequestTimeoutMs)`;
  return undefined;
}
