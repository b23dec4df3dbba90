// The benchmark engine's public surface, for the playground server and for use on its own.
export { runLoadTest, planGenerators, type RunHooks } from './coordinator.js';
export { ENGINES, getEngine, type LoadEngine, type Availability } from './engine.js';
export { resolveOptions, parseDuration, formatDuration, LIMITS, DEFAULTS, LoadOptionsError, type LoadTestOptions, type GeneratorTransport } from './options.js';
export { mergeReports, totalErrors, type LoadResult, type IntervalStat, type LoadModel } from './result.js';
export { meshOverheadReport, runInterleaved, type OverheadConfig, type OverheadRow, type OverheadSummary, type MeshOverheadReport, type ResourceSample } from './mesh-overhead.js';
export { summarizeDelta, type DeltaSummary, type DeltaVerdict } from './overhead-stats.js';
export { computeMeshMark, describeMeshMark, type MeshMark, type ConfigurationCost } from './meshmark.js';
export { toSmpResult, toResultDocument, fromResultDocument, toPlaygroundExtension, SMP_VERSION, type SmpPerformanceTestResult, type ResultDocument, type PlaygroundExtension } from './reports/smp.js';
export { toFortioJson, type FortioHttpRunnerResults } from './reports/fortio.js';
export { toText, percentileSpectrum, progressLine } from './reports/text.js';
export { validateSmpResult, validateResultDocument, validateFortioResult } from './reports/validate.js';
export { HISTOGRAM_CONFIG, HISTOGRAM_ENCODING, createLatencyHistogram, encodeHistogram, decodeHistogram, mergeHistograms, mergeEncodedHistograms, summarize } from './histogram.js';
export { GENERATOR_PROTOCOL, parseGeneratorSpec, type GeneratorSpec, type GeneratorReport, type GeneratorProgress, type GeneratorMessage, type CoordinatorMessage } from './protocol.js';
export { runGenerator } from './generator.js';
export { runBenchCommand } from './cli.js';
