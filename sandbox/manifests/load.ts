// The bundled manifests, and applying them in-process the way `kubectl apply` would create them
// (including the last-applied-configuration annotation, so a later `kubectl apply` of the same file
// reports "unchanged").
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { ClusterApi } from '../apiserver/api.js';
import { badRequest } from '../apiserver/errors.js';
import { yamlDocumentToJS } from '../apiserver/body-limits.js';
import type { KubeObject } from '../apiserver/store.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export type BundledManifest = 'bookinfo' | 'httpbin' | 'sleep';

export function manifestPath(name: BundledManifest): string {
  return fileURLToPath(new URL(`./${name}.yaml`, import.meta.url));
}

export function readManifest(name: BundledManifest): string {
  return readFileSync(manifestPath(name), 'utf8');
}

/** Parse a multi-document YAML into objects; a document that is not an object is an error naming it. */
export function parseManifest(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length) throw badRequest(`document ${i + 1}: ${doc.errors[0].message}`);
    // Alias bombs and absurd nesting are refused with a 400 that names the limit.
    const value = yamlDocumentToJS(doc, `document ${i + 1}`);
    if (value === null || value === undefined) return;
    const obj = value as Partial<KubeObject>;
    if (typeof obj !== 'object' || !obj.apiVersion || !obj.kind || !obj.metadata?.name)
      throw badRequest(`document ${i + 1}: apiVersion, kind and metadata.name are required`);
    out.push(obj as KubeObject);
  });
  return out;
}

/** Create each object that does not exist yet (never overwrites), in `namespace` unless it names one. */
export function applyObjects(api: ClusterApi, objects: KubeObject[], namespace: string): KubeObject[] {
  const created: KubeObject[] = [];
  for (const input of objects) {
    const t = api.registry.byApiVersionKind(input.apiVersion, input.kind);
    if (!t) throw badRequest(`no kind "${input.kind}" is registered for version "${input.apiVersion}"`);
    const obj = structuredClone(input);
    if (t.namespaced) obj.metadata.namespace ??= namespace;
    if (api.tryGet(t, obj.metadata.namespace, obj.metadata.name!)) continue;
    obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: lastApplied(obj) };
    created.push(api.create(t, obj));
  }
  return created;
}

/** kubectl's serialisation of what was applied: Go's encoding/json (sorted keys) plus a newline. */
function lastApplied(obj: KubeObject): string {
  const copy = structuredClone(obj);
  const ann = { ...(copy.metadata.annotations ?? {}) };
  delete ann[LAST_APPLIED_ANNOTATION];
  copy.metadata.annotations = ann; // kubectl keeps the (possibly empty) map it added the annotation to
  return sortedJson(copy) + '\n';
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
