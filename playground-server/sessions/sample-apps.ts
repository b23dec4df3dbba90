// The manifests a session starts with: the chosen sample apps (the sandbox's bundled YAML, which is the
// same YAML a learner would apply to a real cluster) plus the `curl` client workload; with httpbin comes
// `httpbin-direct`, an un-meshed copy, so direct and meshed can be compared.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { manifestPath } from '../../sandbox/index.js';
import type { Schemas } from '../api/types.js';

export type SampleApp = Schemas['SampleApp'];
export const DEFAULT_APPS: SampleApp[] = ['bookinfo', 'httpbin'];

type ManifestName = SampleApp | 'curl' | 'httpbin-direct';

/** Where each manifest's file is: the sample apps are the sandbox's bundled ones, the rest live here. */
const MANIFESTS: Record<ManifestName, string> = {
  bookinfo: manifestPath('bookinfo'),
  httpbin: manifestPath('httpbin'),
  'httpbin-direct': fileURLToPath(new URL('./manifests/httpbin-direct.yaml', import.meta.url)),
  curl: fileURLToPath(new URL('./manifests/curl.yaml', import.meta.url)),
};

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

const cache = new Map<string, ManifestObject[]>();

function load(name: ManifestName): ManifestObject[] {
  let objects = cache.get(name);
  if (!objects) {
    const text = readFileSync(MANIFESTS[name], 'utf8');
    objects = parseAllDocuments(text).map((d) => d.toJS() as ManifestObject).filter((o) => o && typeof o === 'object');
    cache.set(name, objects);
  }
  return structuredClone(objects);
}

/** The objects to apply for a session: the apps (httpbin with its un-meshed copy), then curl. */
export function sessionManifests(apps: SampleApp[]): ManifestObject[] {
  const names = apps.flatMap((a): ManifestName[] => (a === 'httpbin' ? ['httpbin', 'httpbin-direct'] : [a]));
  return [...names.flatMap(load), ...load('curl')];
}
