// Worked examples of the reference pages: YAML files under site/src/data/reference-examples/<group>/<kind>/, each
// headed by `# title:` and `# about:` comment lines (the page's heading and text); the rest is the manifest the page
// shows and the try-it panel edits. Pure: the pages and the test that applies every example to a sandbox share it.
import { parse } from 'yaml';

export interface ReferenceExample {
  /** `<group>/<kind-lowercase>/<file name without .yaml>` */
  key: string;
  group: string;
  kindLower: string;
  slug: string;
  title: string;
  about: string;
  /** The manifest, header lines removed. */
  yaml: string;
  apiVersion: string;
  kind: string;
  name: string;
}

export class ReferenceExampleError extends Error {}

/** An example file's key is its path under reference-examples/: `gateway.networking.k8s.io/httproute/split-reviews.yaml`. */
export function parseReferenceExample(relativePath: string, text: string): ReferenceExample {
  const m = /^([a-z0-9.-]+)\/([a-z0-9]+)\/([a-z0-9-]+)\.yaml$/.exec(relativePath);
  if (!m) throw new ReferenceExampleError(`${relativePath}: an example lives at <group>/<kind-lowercase>/<slug>.yaml`);
  const [, group, kindLower, slug] = m;
  const lines = text.split('\n');
  const header: Record<string, string> = {};
  let i = 0;
  for (; i < lines.length; i++) {
    const h = /^# (title|about): (.+)$/.exec(lines[i]);
    if (!h) break;
    header[h[1]] = header[h[1]] ? `${header[h[1]]} ${h[2].trim()}` : h[2].trim();
  }
  if (!header.title) throw new ReferenceExampleError(`${relativePath}: the first line must be "# title: <heading>"`);
  const yaml = `${lines.slice(i).join('\n').trim()}\n`;
  const doc = parse(yaml) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
  if (typeof doc?.apiVersion !== 'string' || typeof doc.kind !== 'string' || typeof doc.metadata?.name !== 'string') {
    throw new ReferenceExampleError(`${relativePath}: the manifest needs apiVersion, kind and metadata.name`);
  }
  if (doc.kind.toLowerCase() !== kindLower || (doc.apiVersion.includes('/') ? doc.apiVersion.split('/')[0] : '') !== group) {
    throw new ReferenceExampleError(`${relativePath}: the manifest is a ${doc.apiVersion} ${doc.kind}, not a ${group} ${kindLower}`);
  }
  return { key: `${group}/${kindLower}/${slug}`, group, kindLower, slug, title: header.title, about: header.about ?? '', yaml, apiVersion: doc.apiVersion, kind: doc.kind, name: doc.metadata.name };
}
