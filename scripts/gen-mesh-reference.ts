// `npm run gen:mesh-reference` (part of `npm run build`): writes site/src/data/mesh-reference.json, the mesh API
// reference pages' data, from the one source the API server validates with: the CRDs the sandbox serves
// (sandbox/apiserver/crds, loaded by loadCrdDocuments). Each served kind keeps the schema of its preferred version
// (Kubernetes' version priority, as discovery and kubectl pick it) unchanged — upstream descriptions and validations —
// and, for every other served version, whether its schema differs and how.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrdDocuments, type CrdDocument } from '../sandbox/index.js';
import { MESH_REFERENCE_COMMAND, fieldPaths, type MeshReferenceData, type ReferenceKind, type ReferenceVersion } from '../site/src/lib/reference/reference-model.ts';
import type { JsonSchema } from '../site/src/lib/reference/schema-fields.ts';

export const MESH_REFERENCE_JSON = fileURLToPath(new URL('../site/src/data/mesh-reference.json', import.meta.url));

/** Kubernetes' version priority (discovery's preferred version first): GA, then beta, then alpha; higher numbers first. */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    return [m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [x, y] = [rank(a), rank(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || a.localeCompare(b);
}

function referenceKind(crd: CrdDocument): ReferenceKind | undefined {
  const served = crd.spec.versions.filter((v) => v.served);
  const shown = [...served].sort((a, b) => compareKubeVersions(a.name, b.name))[0];
  const schema: JsonSchema | undefined = shown?.schema?.openAPIV3Schema;
  if (!shown || !schema) return undefined;
  const shownPaths = new Set(fieldPaths(schema));
  const shownText = JSON.stringify(schema);
  const versions = served.map((v): ReferenceVersion => {
    const base = { name: v.name, storage: Boolean(v.storage), ...(v.deprecated ? { deprecated: true } : {}), ...(v.deprecationWarning ? { deprecationWarning: v.deprecationWarning } : {}) };
    if (v === shown) return { ...base, schema: 'shown' };
    const own = v.schema?.openAPIV3Schema ?? {};
    if (JSON.stringify(own) === shownText) return { ...base, schema: 'same' };
    const paths = new Set(fieldPaths(own));
    return { ...base, schema: 'differs', added: [...paths].filter((p) => !shownPaths.has(p)), removed: [...shownPaths].filter((p) => !paths.has(p)) };
  });
  const { names } = crd.spec;
  return {
    group: crd.spec.group,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    scope: crd.spec.scope,
    versions,
    shownVersion: shown.name,
    schema,
  };
}

export function meshReferenceData(): MeshReferenceData {
  const kinds = loadCrdDocuments()
    .map(referenceKind)
    .filter((k): k is ReferenceKind => k !== undefined)
    .sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
  return { source: 'sandbox/apiserver/crds', command: MESH_REFERENCE_COMMAND, kinds };
}

/** The file's exact text: what the drift test compares the shipped file with. */
export function meshReferenceJsonText(): string {
  return `${JSON.stringify(meshReferenceData())}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? MESH_REFERENCE_JSON);
  writeFileSync(out, meshReferenceJsonText(), { mode: 0o644 });
}
