// What a CRD asks for that the sandbox's API server does not do, said as a Warning on the write (kubectl prints
// "Warning: …") rather than silently ignored: CEL validation rules (`x-kubernetes-validations`) are accepted and
// stored but not evaluated, so a custom resource a real cluster would refuse can be admitted here.
import type { KubeObject } from '../store.js';

/** Paths reported at most (a schema with many rules gets one warning naming the first few). */
const MAX_PATHS = 3;

function celRulePaths(node: unknown, path: string, out: string[]): void {
  if (!node || typeof node !== 'object' || out.length > MAX_PATHS) return;
  if (Array.isArray(node)) {
    node.forEach((item, i) => celRulePaths(item, `${path}[${i}]`, out));
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'x-kubernetes-validations') out.push(path);
    else celRulePaths(value, `${path}.${key}`, out);
  }
}

export function crdWarnings(crd: KubeObject): string[] {
  const versions = ((crd.spec as { versions?: { name?: string; schema?: unknown }[] } | undefined)?.versions ?? []);
  const paths: string[] = [];
  versions.forEach((v, i) => celRulePaths(v.schema, `spec.versions[${i}].schema`, paths));
  if (!paths.length) return [];
  const shown = paths.slice(0, MAX_PATHS).join(', ') + (paths.length > MAX_PATHS ? ', …' : '');
  return [`x-kubernetes-validations (CEL) rules are stored but not evaluated by the sandbox's API server (${shown}); a real cluster enforces them`];
}
