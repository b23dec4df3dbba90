// The site's /benchmarks/scale/ page data (site/src/data/scale-test.json): the report minus what a reader cannot
// use (the API server's address), with the command line that produced it.
import type { ScaleReport } from './report.js';

export interface ScaleSiteData {
  command: string;
  report: Omit<ScaleReport, 'cluster'> & { cluster: Omit<ScaleReport['cluster'], 'server'> };
}

export function scaleSiteData(report: ScaleReport, command: string): ScaleSiteData {
  const { server: _server, ...cluster } = report.cluster;
  return { command, report: { ...report, cluster } };
}
