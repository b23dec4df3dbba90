// The mesh reference pages' data, read once per build from the generated file (never from sandbox code), joined with
// the mesh support data. The file is large (Istio's and the Gateway API's schemas): it is read as text, not typed
// as a JSON module.
import text from '../../data/mesh-reference.json?raw';
import { meshSupportData } from '../mesh-support/site-data.ts';
import type { MeshApi, SupportKind } from '../mesh-support/data-contract.ts';
import { parseReferenceExample, type ReferenceExample } from './examples.ts';
import { MESH_REFERENCE_COMMAND, type MeshReferenceData, type ReferenceKind } from './reference-model.ts';

let cached: MeshReferenceData | undefined;

export function meshReferenceData(): MeshReferenceData {
  if (cached) return cached;
  const data = JSON.parse(text) as MeshReferenceData;
  if (!Array.isArray(data?.kinds) || data.kinds.some((k) => !k.group || !k.kind || !k.shownVersion || typeof k.schema !== 'object')) {
    throw new Error(`site/src/data/mesh-reference.json is not the mesh reference data: run \`${MESH_REFERENCE_COMMAND}\``);
  }
  cached = data;
  return data;
}

export interface KindSupportInfo {
  api: MeshApi | undefined;
  support: SupportKind | undefined;
}

/** The support registry's entry for a kind, and the API (project) it belongs to. */
export function kindSupportInfo(k: Pick<ReferenceKind, 'group' | 'kind'>): KindSupportInfo {
  for (const a of meshSupportData().apis) {
    const support = a.kinds.find((s) => s.group === k.group && s.kind === k.kind);
    if (support) return { api: a.api, support };
  }
  return { api: undefined, support: undefined };
}

export const API_ORDER: MeshApi[] = ['Gateway API', 'SMI', 'Istio', 'Linkerd', 'Kubernetes'];

const EXAMPLE_FILES = import.meta.glob<string>('../../data/reference-examples/**/*.yaml', { query: '?raw', import: 'default', eager: true });
const EXAMPLE_ROOT = '../../data/reference-examples/';

let examples: ReferenceExample[] | undefined;

/** Every worked example, checked; a broken file stops the build naming it. */
export function referenceExamples(): ReferenceExample[] {
  examples ??= Object.entries(EXAMPLE_FILES)
    .map(([path, text]) => parseReferenceExample(path.slice(EXAMPLE_ROOT.length), text))
    .sort((a, b) => a.key.localeCompare(b.key));
  return examples;
}

export function examplesOf(k: Pick<ReferenceKind, 'group' | 'kind'>): ReferenceExample[] {
  return referenceExamples().filter((e) => e.group === k.group && e.kindLower === k.kind.toLowerCase());
}
