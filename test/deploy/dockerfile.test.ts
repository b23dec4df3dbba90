// The Dockerfile's promises, checked statically (the test machines have no Docker engine, so the image itself is
// never built here): kubectl comes from pkgs.k8s.io at one pinned version and its binary is checked against a
// pinned SHA-256; the image runs as a non-root user; the command it runs and every file it copies exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

interface Instruction { keyword: string; args: string; stage: number }

/** Dockerfile instructions in order, continuation lines joined and comments dropped, each with its stage index. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    pending += (pending ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (line.endsWith('\\')) continue;
    const keyword = pending.split(/\s/, 1)[0];
    if (keyword.toUpperCase() === 'FROM') stage++;
    out.push({ keyword: keyword.toUpperCase(), args: pending.slice(keyword.length).trim(), stage });
    pending = '';
  }
  return out;
}

const all = instructions(DOCKERFILE);
const finalStage = Math.max(...all.map((i) => i.stage));
const runtime = all.filter((i) => i.stage === finalStage);
const args = new Map(all.filter((i) => i.keyword === 'ARG' && i.args.includes('=')).map((i) => [i.args.split('=')[0], i.args.slice(i.args.indexOf('=') + 1)]));
const runs = runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args);

test('kubectl: the Kubernetes project\'s own repository, one pinned version, never an unpinned install', () => {
  const version = args.get('KUBECTL_VERSION');
  assert.match(version ?? '', /^\d+\.\d+\.\d+$/, 'ARG KUBECTL_VERSION pins a full release (major.minor.patch)');
  assert.match(args.get('KUBECTL_PACKAGE_REVISION') ?? '', /^\d+\.\d+$/, 'pkgs.k8s.io debs are versioned <release>-<revision>, e.g. 1.32.4-1.1');
  const install = runs.find((r) => /apt-get install[^;&]*\bkubectl\b/.test(r));
  assert.ok(install, 'the runtime stage installs kubectl with apt');
  // Every apt-get install naming kubectl names it with the pinned version, in every stage.
  for (const r of all.filter((i) => i.keyword === 'RUN').map((i) => i.args)) {
    for (const cmd of r.split(/;|&&/).filter((c) => /apt-get install/.test(c) && /\bkubectl\b/.test(c)))
      assert.match(cmd, /"kubectl=\$\{KUBECTL_VERSION\}-\$\{KUBECTL_PACKAGE_REVISION\}"/, `unpinned: ${cmd.trim()}`);
  }
  // The repository is pkgs.k8s.io, signed, and its minor is derived from the pinned version (not pinned twice).
  assert.match(install!, /https:\/\/pkgs\.k8s\.io\/core:\/stable:\/\$\{minor\}\/deb\//);
  assert.match(install!, /minor="v\$\{KUBECTL_VERSION%\.\*\}"/);
  assert.match(install!, /deb \[signed-by=\/etc\/apt\/keyrings\/kubernetes-apt-keyring\.gpg\] https:\/\/pkgs\.k8s\.io/);
  assert.match(install!, /Release\.key/);
  assert.doesNotMatch(all.map((i) => i.args).join('\n'), /kubernetes-client|apt\.kubernetes\.io|packages\.cloud\.google\.com/, 'no Debian 1.20 client, no retired Google repository');
  // The image's kubectl is the minor the project tests against (the real kubectl on the test machines).
  const local = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  const { clientVersion } = JSON.parse(local) as { clientVersion: { major: string; minor: string } };
  assert.equal(version!.split('.').slice(0, 2).join('.'), `${clientVersion.major}.${clientVersion.minor.replace(/\D.*$/, '')}`);
});

test('kubectl: the installed binary is checked against pinned SHA-256s before anything else runs', () => {
  for (const arch of ['AMD64', 'ARM64']) assert.match(args.get(`KUBECTL_SHA256_${arch}`) ?? '', /^[0-9a-f]{64}$/, `ARG KUBECTL_SHA256_${arch} is a SHA-256`);
  const install = runs.find((r) => r.includes('sha256sum'))!;
  assert.ok(install, 'a RUN checks a checksum');
  assert.match(install, /echo "\$\{kubectl_sha256\}  \/usr\/bin\/kubectl" \| sha256sum --check --strict/);
  assert.match(install, /amd64\) kubectl_sha256="\$\{KUBECTL_SHA256_AMD64\}"/);
  assert.match(install, /arm64\) kubectl_sha256="\$\{KUBECTL_SHA256_ARM64\}"/);
  assert.match(install, /\*\) echo "[^"]*" >&2; exit 1/, 'an architecture without a pinned checksum stops the build');
  assert.match(install, /^set -eux;/, 'any failing step (a checksum mismatch included) fails the build');
  // Checked before the package tools are removed and the layer is committed, in the same RUN as the install.
  assert.ok(install.indexOf('sha256sum') > install.indexOf('apt-get install -y --no-install-recommends "kubectl='));
  assert.ok(install.indexOf('sha256sum') < install.indexOf('apt-get purge'));
});

test('the image runs as a non-root numeric user, the one deploy/ declares', () => {
  const users = runtime.filter((i) => i.keyword === 'USER');
  assert.ok(users.length, 'the runtime stage sets USER');
  const user = users.at(-1)!.args.split(':')[0];
  assert.match(user, /^\d+$/, 'numeric, so the kubelet can verify runAsNonRoot');
  assert.notEqual(Number(user), 0);
  const rendered = parseAllDocuments(readFileSync(join(ROOT, 'deploy/server.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; spec?: { template?: { spec?: { securityContext?: { runAsUser?: number } } } } });
  const deployment = rendered.find((o) => o.kind === 'Deployment');
  assert.equal(deployment?.spec?.template?.spec?.securityContext?.runAsUser, Number(user));
});

test('the CMD runs a program and a command that exist in the repository', () => {
  const cmd = runtime.filter((i) => i.keyword === 'CMD').at(-1);
  assert.ok(cmd, 'the runtime stage has a CMD');
  const argv = JSON.parse(cmd!.args) as string[];
  assert.equal(argv[0], 'node');
  assert.ok(existsSync(join(ROOT, argv[1])), `${argv[1]} exists`);
  const cli = readFileSync(join(ROOT, 'playground-server/cli.ts'), 'utf8');
  assert.match(cli, new RegExp(`case '${argv[2]}':`), `the CLI has a "${argv[2]}" command`);
});

test('every COPY source exists and is not excluded by .dockerignore', () => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const copies = all.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
  assert.ok(copies.length);
  for (const c of copies) {
    const parts = c.args.split(/\s+/);
    if (parts.some((p) => p.startsWith('--from='))) continue; // from an earlier stage, not the build context
    const sources = parts.filter((p) => !p.startsWith('--')).slice(0, -1);
    for (const source of sources) {
      assert.ok(existsSync(join(ROOT, source)), `COPY source ${source} exists`);
      if (source !== '.') assert.ok(!ignored.includes(source.replace(/\/$/, '')), `COPY source ${source} is not in .dockerignore`);
    }
  }
  // The context never carries local state into the image.
  for (const local of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(local), `.dockerignore excludes ${local}`);
});

test('every RUN is valid /bin/sh syntax (the shell Docker runs it with)', () => {
  const shellRuns = all.filter((i) => i.keyword === 'RUN' && !i.args.startsWith('['));
  assert.ok(shellRuns.length >= 3);
  for (const run of shellRuns) {
    const r = spawnSync('/bin/sh', ['-n', '-c', run.args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `sh -n rejects: ${run.args}\n${r.stderr}`);
  }
});

/** Bare package names a source tree imports at run time (type-only imports vanish when tsx strips types). */
function runtimeImports(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) runtimeImports(path, into);
    else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/^(?!import type)(?:import|export)\s[^;]*?from\s+'([^']+)'|import\('([^']+)'\)/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!builtinModules.includes(pkg)) into.set(pkg, path.slice(ROOT.length));
      }
    }
  }
  return into;
}

test('the runtime keeps only production dependencies, and they are all the server needs', () => {
  assert.ok(all.some((i) => i.keyword === 'RUN' && i.stage < finalStage && /npm prune --omit=dev/.test(i.args)), 'the build stage prunes devDependencies');
  assert.ok(runtime.some((i) => i.keyword === 'COPY' && /--from=build/.test(i.args)), 'the runtime copies the pruned build');
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const imports = new Map<string, string>();
  for (const dir of ['bin', 'playground-server', 'sandbox', 'prebuilt']) runtimeImports(join(ROOT, dir), imports);
  assert.ok(imports.has('tsx') && imports.has('yaml'), 'the scan sees the server\'s imports');
  for (const [pkg, where] of imports) assert.ok(pkg in dependencies, `${where} imports ${pkg}, which npm prune --omit=dev would remove (move it to dependencies)`);
});

test('the image carries the prebuilt bundles: the build stage runs `npm run build`, which bundles them before the prune', () => {
  const build = all.filter((i) => i.keyword === 'RUN' && i.stage < finalStage && /\bnpm run build\b/.test(i.args));
  assert.equal(build.length, 1, 'one RUN in the build stage runs npm run build');
  assert.match(build[0].args, /npm run build && npm prune --omit=dev/, 'the bundles are built while devDependencies are still installed');
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(scripts.build, /npm run --silent build:bundles/, 'npm run build runs build:bundles');
  assert.match(scripts['build:bundles'], /scripts\/build-bundles\.ts/);
});
