// The /benchmarks/scale/ page's data: what `playground scale-test --site-data` writes (site/src/data/scale-test.json).
// The site keeps its own copy of the shape (it imports nothing from the server); parseScaleData checks the parts the
// page reads, so a file of another shape stops the build with a message instead of drawing nonsense.

export interface LatencySummary { count: number; p50: number; p99: number; max: number }

export interface ScaleStep {
  copies: number;
  api: { create: LatencySummary; list: LatencySummary; watch: LatencySummary; podStartup: LatencySummary };
  configPush: { ms: number; probes: number; probeRoundTripMs: number } | null;
  load: {
    requestedRps: number; actualRps: number; requests: number; errors: number; errorPercent: number;
    statusClasses: Record<string, number>; latencyMs: { p50: number; p90: number; p99: number; max: number };
    timeline: { second: number; responses: number; errors: number; p99Ms: number }[];
  } | null;
  resources: { pods: number; dataPlaneCpuMillicoresPerCopy: number; dataPlaneMemoryMiBPerCopy: number; dataPlaneCpuMillicores: number; dataPlaneMemoryMiB: number; sidecarContainer: string | null } | null;
  breaches: string[];
  failure?: string;
}

export interface ScaleSiteData {
  command: string;
  report: {
    format: 'mesh-playground.scale-test/v1';
    generatedAt: string;
    cluster: { embedded: boolean; kubernetesVersion: string };
    settings: { steps: number[]; loadSeconds: number; rps: number; connections: number; apiSamples: number; workloadImage: string };
    method: string[];
    thresholds: Record<string, number>;
    steps: ScaleStep[];
    verdict: { scaled: boolean; lastGoodCopies: number; stoppedAt: number | null; reasons: string[]; summary: string };
    cleanup: { deleted: boolean; message: string };
  };
}

export function parseScaleData(value: unknown, source: string): ScaleSiteData {
  const d = value as Partial<ScaleSiteData>;
  const problems: string[] = [];
  if (typeof d?.command !== 'string') problems.push('command: a string');
  const r = d?.report;
  if (r?.format !== 'mesh-playground.scale-test/v1') problems.push('report.format: mesh-playground.scale-test/v1');
  if (!Array.isArray(r?.steps)) problems.push('report.steps: an array');
  else r.steps.forEach((s, i) => {
    if (!Number.isInteger(s?.copies)) problems.push(`report.steps[${i}].copies: a whole number`);
    if (!Array.isArray(s?.breaches)) problems.push(`report.steps[${i}].breaches: an array`);
  });
  if (typeof r?.verdict?.summary !== 'string') problems.push('report.verdict.summary: a string');
  if (problems.length) throw new Error(`${source} is not scale-test site data (write it with \`playground scale-test --site-data FILE\`); expected ${problems.join(', ')}`);
  return d as ScaleSiteData;
}
