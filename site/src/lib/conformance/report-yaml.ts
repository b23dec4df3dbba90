// The ConformanceReport as YAML, the way the upstream suite writes it (sigs.k8s.io/yaml marshals through JSON:
// keys sorted, sequences not indented, the date quoted so YAML 1.1 readers keep it a string), for the download.
import { Document, isScalar } from 'yaml';
import type { ConformanceReport } from './data-contract.ts';

export function reportYaml(report: ConformanceReport): string {
  const doc = new Document(report, { sortMapEntries: true });
  const date = doc.get('date', true);
  if (isScalar(date)) date.type = 'QUOTE_DOUBLE';
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}
