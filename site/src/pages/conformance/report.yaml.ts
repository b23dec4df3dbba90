// /conformance/report.yaml: the sandbox's ConformanceReport from the page's data, built once at build time.
import { conformanceData } from '../../lib/conformance/site-data.ts';
import { reportYaml } from '../../lib/conformance/report-yaml.ts';

export function GET(): Response {
  return new Response(reportYaml(conformanceData().report), { headers: { 'content-type': 'application/yaml; charset=utf-8' } });
}
