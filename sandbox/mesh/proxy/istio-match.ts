// The Istio-only conditions of a VirtualService match (CompiledMatch.istio): method prefix/regex, withoutHeaders,
// sourceLabels and sourceNamespace (the calling pod's labels and namespace).
import type { IstioMatchConditions } from '../config/snapshot.js';

export interface ClientFacts {
  namespace: string;
  labels: Record<string, string>;
}

export function istioConditionsMatch(c: IstioMatchConditions, method: string, headers: Record<string, string | string[] | undefined>, client: ClientFacts | undefined): boolean {
  if (c.methodRegex && !c.methodRegex.test(method)) return false;
  if (c.withoutHeaders) {
    for (const h of c.withoutHeaders) {
      const raw = headers[h.name];
      const v = Array.isArray(raw) ? raw.join(',') : raw;
      if (v !== undefined && (h.exact !== undefined ? v === h.exact : h.regex!.test(v))) return false;
    }
  }
  if (c.sourceNamespace !== undefined && client?.namespace !== c.sourceNamespace) return false;
  if (c.sourceLabels) {
    if (!client) return false;
    for (const [k, v] of Object.entries(c.sourceLabels)) if (client.labels[k] !== v) return false;
  }
  return true;
}
