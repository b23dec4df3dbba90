// Every bound of `playground scale-test` in one place: how big a run may get (so a typo cannot ask a cluster for
// 10,000 Deployments), how long each wait may take, and the default thresholds that decide where it stopped scaling.
import { BENCHMARK_LIMITS } from '../benchmarks/limits.js';

export const SCALE_LIMITS = Object.freeze({
  /** Most copies of the sample workload at the last step. */
  maxCopies: 200,
  /** Most steps in one run. */
  maxSteps: 20,
  /** Load per step: the generator pod's own limits (benchmarks/limits.ts), which it enforces itself; 1 s of it is warm-up. */
  maxLoadSeconds: BENCHMARK_LIMITS.maxDurationSeconds - 1,
  maxRps: BENCHMARK_LIMITS.maxRps,
  maxConnections: BENCHMARK_LIMITS.maxConnections,
  /** Timed API calls per step (list and watch round-trips). */
  maxApiSamples: 50,
});

export const SCALE_DEFAULTS = Object.freeze({
  steps: [1, 5, 10],
  loadSeconds: 5,
  rps: 100,
  connections: 4,
  apiSamples: 5,
});

/** Bounds on waiting for the cluster. */
export const SCALE_TIMEOUTS = Object.freeze({
  /** From a step's first create until every copy's pod is Ready (plus 1 s per copy added); past it the step fails. */
  podsReadyBaseMs: 60_000,
  podsReadyPerCopyMs: 1_000,
  /** From a route write until a probe shows the new route at work. */
  configPushMs: 15_000,
  /** One watch round-trip (write → event). */
  watchEventMs: 10_000,
  /** The generator pod: start, then run (its duration plus this slack). */
  generatorStartMs: 60_000,
  generatorSlackMs: 20_000,
  /** The test namespace going away at the end. */
  namespaceGoneMs: 90_000,
});

/** The most probes one config-push measurement sends (each is one pods-proxy round trip). */
export const MAX_PUSH_PROBES = 2_000;
/** Pause between readiness polls and between PodMetrics samples. */
export const POLL_MS = 250;
export const METRICS_SAMPLE_MS = 1_000;

/**
 * Where a step counts as "stopped scaling". The API-server figures are the Kubernetes scalability SLOs
 * (kubernetes/community sig-scalability/slos): mutating single-object calls p99 ≤ 1 s, namespace-scoped LIST
 * p99 ≤ 5 s, stateless pod startup p99 ≤ 5 s. The data-plane figures are this tool's defaults (flags change them).
 */
export interface Thresholds {
  /** Load p99 (corrected, ms). */
  maxP99Ms: number;
  /** Non-2xx answers plus failed requests, % of requests sent. */
  maxErrorPercent: number;
  /** Achieved rate as % of the requested rate, at least. */
  minThroughputPercent: number;
  /** Route write → traffic following it (ms). */
  maxConfigPushMs: number;
  /** API create round-trip p99 (ms). */
  maxCreateMs: number;
  /** API namespace-scoped LIST p99 (ms). */
  maxListMs: number;
  /** API watch: write → event delivered (ms). */
  maxWatchMs: number;
  /** Per pod: its Deployment created → the pod seen Ready, p99 (ms). */
  maxPodStartupMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  maxP99Ms: 250,
  maxErrorPercent: 1,
  minThroughputPercent: 95,
  maxConfigPushMs: 5_000,
  maxCreateMs: 1_000,
  maxListMs: 5_000,
  maxWatchMs: 1_000,
  maxPodStartupMs: 5_000,
});
