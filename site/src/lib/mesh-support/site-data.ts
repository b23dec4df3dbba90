// The mesh support page's data, read and checked once per build from the generated file (never from sandbox code):
// a file that drifted from the contract stops the build, saying to run `npm run mesh-support:site`.
import raw from '../../data/mesh-support.json';
import { parseMeshSupportData, type MeshSupportSiteData, type SupportKind, type SupportLevel } from './data-contract.ts';

let cached: MeshSupportSiteData | undefined;

export function meshSupportData(): MeshSupportSiteData {
  cached ??= parseMeshSupportData(raw, 'site/src/data/mesh-support.json');
  return cached;
}

/** A kind's fragment id on the page: `kind-networking-istio-io-envoyfilter`. */
export function kindAnchor(k: Pick<SupportKind, 'group' | 'kind'>): string {
  return `kind-${k.group}-${k.kind}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** The badge's colour class (global.css) for a support level; the badge's text always says the level too. */
export function supportClass(level: SupportLevel): 'pass' | 'partial' | 'fail' {
  return level === 'full' ? 'pass' : level === 'partial' ? 'partial' : 'fail';
}

/** `spec.rules[].backendRefs[].filters` with break opportunities after dots and brackets, for narrow screens. */
export function pathParts(path: string): string[] {
  return path.split(/(?<=[.\]])/);
}
