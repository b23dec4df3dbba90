// The project's rooms keep their doors: sandbox/ imports nothing from the server, the site or the benchmarks;
// site/ imports only itself and openapi/generated/; everything else reaches the sandbox only through
// sandbox/index.ts. A failure names each crossing as file:line. The fixture tests prove the scanner sees
// every kind of module reference, so a pass means no crossing, not a blind scanner.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boundaryViolations, describeViolation, moduleReferences, sourceFiles } from './import-boundaries.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('no import in the source trees crosses a boundary', () => {
  const files = sourceFiles(ROOT);
  assert.ok(files.length > 200, `the scanner found the source files (${files.length})`);
  const violations = boundaryViolations(ROOT);
  assert.deepEqual(violations.map(describeViolation), []);
});

test('sandbox/index.ts is the door outside callers use', () => {
  const refs = moduleReferences(ROOT, sourceFiles(ROOT, ['playground-server', 'bench', 'scripts']));
  const door = refs.filter((r) => r.target === 'sandbox/index.js' || r.target === 'sandbox/index.ts');
  assert.ok(door.length > 0, 'the server, bench or scripts import sandbox/index.ts');
});

const fixtureRoot = mkdtempSync(join(tmpdir(), 'boundaries-'));
after(() => rmSync(fixtureRoot, { recursive: true, force: true }));

function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(fixtureRoot, 'case-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('a synthetic crossing of each kind is reported with its file and line', () => {
  const root = fixture({
    'sandbox/index.ts': "export const door = 1;\n",
    'sandbox/cluster.ts': "import { x } from '../playground-server/server.js';\nexport { y } from '../site/src/y.ts';\nconst b = await import('../bench/mesh.js');\n",
    'sandbox/runtime/ok.ts': "import { parse } from 'yaml';\nimport { door } from '../index.js';\nimport fs from 'node:fs';\n",
    'site/src/lib/schema.ts': "import { BUILTIN } from '../../../sandbox/apiserver/schema.ts';\nimport raw from '../../../sandbox/crds/a.yaml?raw';\nimport type { T } from '../../../openapi/generated/playground.ts';\nimport { local } from './local.ts';\n",
    'site/src/pages/p.astro': "---\nimport Base from '../layouts/Base.astro';\nimport { z } from '../../../playground-server/api/z.js';\n---\n<h1>x</h1>\n<script>\n  import { q } from '../../../openapi/playground.yaml?raw';\n  import { SPEC_VERSION } from '../../../openapi/types.ts';\n  import type { Schemas } from '../../../openapi/types.ts';\n</script>\n",
    'playground-server/commands/up.ts': "import { startSandbox } from '../../sandbox/cluster.js';\nimport { door } from '../../sandbox/index.js';\nconst app = new URL('../../sandbox/manifests/app.yaml', import.meta.url);\nconst near = new URL('./manifests/curl.yaml', import.meta.url);\n",
    'bench/mesh.ts': "import type { Pod } from '../sandbox/runtime/kinds.js';\nconst w = require('../sandbox/runtime/workload.js');\nconst m = new URL(`../sandbox/manifests/${'x'}.yaml`, import.meta.url);\n",
    'scripts/gen.ts': "import { door } from '../sandbox/index.ts';\n",
    'kubernetes/rollout.ts': "import { door } from '../sandbox/index.ts';\nimport { own } from './own.ts';\nimport { s } from '../playground-server/x.js';\n",
    'http1/scan.ts': "import { parse } from 'yaml';\nimport { r } from '../kubernetes/rollout.ts';\n",
    'prebuilt/bundles.js': "import { statSync } from 'node:fs';\nconst w = new URL('../sandbox/mesh/proxy/proxy-worker.ts', import.meta.url);\nimport { g } from '../playground-server/loadgen/generator-launch.ts';\n",
  });
  const found = boundaryViolations(root).map((v) => `${v.file}:${v.line} ${v.specifier}`);
  assert.deepEqual(found.sort(), [
    'bench/mesh.ts:1 ../sandbox/runtime/kinds.js',
    'http1/scan.ts:2 ../kubernetes/rollout.ts',
    'prebuilt/bundles.js:2 ../sandbox/mesh/proxy/proxy-worker.ts',
    'prebuilt/bundles.js:3 ../playground-server/loadgen/generator-launch.ts',
    'kubernetes/rollout.ts:1 ../sandbox/index.ts',
    'kubernetes/rollout.ts:3 ../playground-server/x.js',
    'bench/mesh.ts:2 ../sandbox/runtime/workload.js',
    'bench/mesh.ts:3 ../sandbox/manifests/',
    'playground-server/commands/up.ts:1 ../../sandbox/cluster.js',
    'playground-server/commands/up.ts:3 ../../sandbox/manifests/app.yaml',
    'sandbox/cluster.ts:1 ../playground-server/server.js',
    'sandbox/cluster.ts:2 ../site/src/y.ts',
    'sandbox/cluster.ts:3 ../bench/mesh.js',
    'site/src/lib/schema.ts:1 ../../../sandbox/apiserver/schema.ts',
    'site/src/lib/schema.ts:2 ../../../sandbox/crds/a.yaml?raw',
    'site/src/pages/p.astro:3 ../../../playground-server/api/z.js',
    'site/src/pages/p.astro:7 ../../../openapi/playground.yaml?raw',
    'site/src/pages/p.astro:8 ../../../openapi/types.ts',
  ].sort());
});

test('a tree with only doors passes', () => {
  const root = fixture({
    'sandbox/index.ts': "export { startSandbox } from './cluster.js';\n",
    'sandbox/cluster.ts': "import { parse } from 'yaml';\n",
    'site/src/a.ts': "import type { paths } from '../../openapi/generated/playground.ts';\nimport schema from '../../openapi/generated/manifest-schema.json';\nimport { type Schemas } from '../../openapi/types.ts';\n",
    'playground-server/x.ts': "import { startSandbox } from '../sandbox/index.js';\nimport { r } from '../kubernetes/rollout.ts';\n",
    'sandbox/controllers/c.ts': "import { r } from '../../kubernetes/rollout.ts';\nimport { scan } from '../../http1/scan.ts';\nimport { locateBundle } from '../../prebuilt/bundles.js';\n",
    'playground-server/loadgen/launch.ts': "import { locateBundle } from '../../prebuilt/bundles.js';\n",
    'bin/playground.js': "import { locateBundle } from '../prebuilt/bundles.js';\n",
    'kubernetes/rollout.ts': "import { own } from './own.ts';\n",
    'prebuilt/bundles.js': "import { existsSync } from 'node:fs';\nconst root = new URL('../', import.meta.url);\n",
  });
  assert.deepEqual(boundaryViolations(root).map(describeViolation), []);
});
