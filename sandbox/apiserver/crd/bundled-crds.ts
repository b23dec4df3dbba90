// The vendored CRD files the sandbox serves (apiserver/crds/), by name, for build-time generators outside the
// sandbox: the site's manifest editor schema is generated from the same YAML the API server validates with.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The CRD files whose kinds a session applies in lessons (Gateway API HTTPRoute and SMI). */
export type BundledCrd = 'httproutes.experimental' | 'split' | 'access' | 'httproutegroup';

export function bundledCrdText(name: BundledCrd): string {
  return readFileSync(fileURLToPath(new URL(`../crds/${name}.yaml`, import.meta.url)), 'utf8');
}
