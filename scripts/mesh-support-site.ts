// `npm run mesh-support:site`: writes the docs' mesh support page data (site/src/data/mesh-support.json, or the
// file named as the first argument) from the sandbox's support registry, checked against the page's contract first.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESH_API_SUPPORT, meshSupportSiteData } from '../sandbox/index.js';
import { parseMeshSupportData } from '../site/src/lib/mesh-support/data-contract.ts';

export const MESH_SUPPORT_JSON = fileURLToPath(new URL('../site/src/data/mesh-support.json', import.meta.url));

/** The file's exact text: what the drift test compares the shipped file with. */
export function meshSupportJsonText(): string {
  const data = meshSupportSiteData(MESH_API_SUPPORT);
  parseMeshSupportData(data, 'the registry\'s data');
  return `${JSON.stringify(data, null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? MESH_SUPPORT_JSON);
  writeFileSync(out, meshSupportJsonText(), { mode: 0o644 });
  process.stdout.write(`mesh support data written to ${out}\n`);
}
