// The mesh support registry as the docs' support page reads it (site/src/data/mesh-support.json, written by
// `npm run mesh-support:site`; the page's contract is site/src/lib/mesh-support/data-contract.ts). Deterministic —
// no timestamps — so a test can check the shipped file equals what the registry produces now.
import type { FieldSupport, KindSupport, SupportLevel } from './support-registry.js';
import { wholeKindEntry } from './support-registry.js';

export const MESH_SUPPORT_SITE_COMMAND = 'npm run mesh-support:site';

/** The order the page lists the APIs in: the portable ones first, as the lessons teach them. */
const API_ORDER: KindSupport['api'][] = ['Gateway API', 'SMI', 'Istio', 'Linkerd', 'Kubernetes'];

export interface SupportSiteKind {
  group: string;
  kind: string;
  versions: string[];
  summary: string;
  docs: string;
  /** full: every listed field honoured in full; none: the kind is served but not read; partial otherwise. */
  support: SupportLevel;
  /** How what is not honoured is reported: Warning lines on apply, or only the object's status / the docs. */
  warnOnApply: boolean;
  fields: FieldSupport[];
}

export interface SupportSiteApi {
  api: KindSupport['api'];
  /** The page's anchor for the API. */
  id: string;
  kinds: SupportSiteKind[];
}

export interface SupportSiteData {
  source: string;
  command: string;
  apis: SupportSiteApi[];
}

export function kindLevel(k: KindSupport): SupportLevel {
  if (wholeKindEntry(k)) return 'none';
  if (k.fields.length === 0) return 'partial'; // nothing listed yet: claim nothing in full
  return k.fields.every((f) => f.support === 'full') ? 'full' : 'partial';
}

export function meshSupportSiteData(kinds: readonly KindSupport[]): SupportSiteData {
  const apis = API_ORDER.map((api): SupportSiteApi => ({
    api,
    id: api.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
    kinds: kinds
      .filter((k) => k.api === api)
      .map((k) => ({
        group: k.group,
        kind: k.kind,
        versions: [...k.versions],
        summary: k.summary,
        docs: k.docs,
        support: kindLevel(k),
        warnOnApply: k.warnOnApply,
        fields: k.fields.map((f) => ({ path: f.path, support: f.support, ...(f.note ? { note: f.note } : {}) })),
      })),
  })).filter((a) => a.kinds.length > 0);
  return { source: 'sandbox/mesh/support', command: MESH_SUPPORT_SITE_COMMAND, apis };
}
