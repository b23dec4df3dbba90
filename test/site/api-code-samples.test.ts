// The API pages' code samples come from one generator: every operation has curl, fetch, Python and Go (and
// kubectl where it is a Kubernetes call), each sample is a valid program in its language (Python compiled by
// `python3 -m py_compile`, shell by `bash -n`, JavaScript by `node --check`, Go by a structural check — gofmt is
// not on these machines), and each one sends the operation's method, path, query and body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { SPECS, exampleRequest, type OperationModel } from '../../site/src/lib/openapi/spec-model.ts';
import { codeSamples, fetchSample, goSample, goString, pythonLiteral, pythonSample, type CodeSample } from '../../site/src/lib/openapi/code-samples.ts';

const OPS = SPECS.flatMap((s) => s.operations);
const KUBECTL_OPS = ['downloadKubeconfig', 'applyResources', 'listResources', 'getResource', 'deleteResource', 'runTerminal'];
// The system python starts in milliseconds; a version manager's shim can take seconds.
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p)) ?? (spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined);

const sampleOf = (op: OperationModel, id: CodeSample['id']) => codeSamples(op).find((s) => s.id === id);

test('every operation has curl, fetch, Python and Go samples; kubectl where the operation is a Kubernetes call', () => {
  assert.ok(OPS.length > 40, `only ${OPS.length} operations read`);
  for (const op of OPS) {
    const ids = codeSamples(op).map((s) => s.id);
    for (const id of ['curl', 'fetch', 'python', 'go'] as const) assert.ok(ids.includes(id), `${op.spec}/${op.id} has no ${id} sample`);
    assert.equal(new Set(ids).size, ids.length, `${op.id}: one sample per language`);
    const wantsKubectl = op.spec === 'bookinfo' || KUBECTL_OPS.includes(op.id);
    assert.equal(ids.includes('kubectl'), wantsKubectl, `${op.spec}/${op.id}: kubectl sample ${wantsKubectl ? 'missing' : 'where none applies'}`);
  }
});

test('each sample sends the operation\'s method, path, query and body', () => {
  const list = OPS.find((o) => o.id === 'listResources')!;
  for (const id of ['curl', 'go'] as const) assert.match(sampleOf(list, id)!.code, /\/api\/session\/resources\/deployments\?labelSelector=app%3Dreviews/, id);
  assert.match(sampleOf(list, 'python')!.code, /requests\.get\(\n {4}f"\{PLAYGROUND\}\/api\/session\/resources\/deployments",\n {4}params=\{\n {8}"labelSelector": "app=reviews",/);
  assert.match(sampleOf(list, 'kubectl')!.code, /^kubectl get deployments -l 'app=reviews' -o json$/m);
  const apply = OPS.find((o) => o.id === 'applyResources')!;
  const manifest = (exampleRequest(apply).body as { manifest: string }).manifest;
  assert.ok(sampleOf(apply, 'kubectl')!.code.includes(`kubectl apply --server-side -f - <<'EOF'\n${manifest.trimEnd()}\nEOF`));
  assert.match(sampleOf(apply, 'go')!.code, /http\.NewRequest\(http\.MethodPost, os\.Getenv\("PLAYGROUND"\)\+"\/api\/session\/resources", body\)/);
  assert.ok(sampleOf(apply, 'python')!.code.includes(`"manifest": ${JSON.stringify(manifest)},`));
  // Operations without a session send no token; the others send it in every language.
  const health = OPS.find((o) => o.id === 'healthz')!;
  for (const s of codeSamples(health)) assert.doesNotMatch(s.code, /PG_TOKEN|Bearer/, `healthz ${s.id}`);
  const describe = OPS.find((o) => o.id === 'describeSession')!;
  for (const id of ['curl', 'python', 'go'] as const) assert.match(sampleOf(describe, id)!.code, /Bearer/, `describeSession ${id}`);
  // The sample app's samples go through sendRequest, from the curl workload.
  const reviews = OPS.find((o) => o.spec === 'bookinfo' && o.id === 'getReviews')!;
  assert.match(sampleOf(reviews, 'kubectl')!.code, /^kubectl exec deploy\/curl -- curl -sS -i http:\/\/reviews:9080\/reviews\/0$/m);
  assert.match(sampleOf(reviews, 'python')!.code, /"url": "http:\/\/reviews:9080\/reviews\/0"/);
});

test('literals survive quoting: Python literals and Go strings read back as the same JSON', () => {
  const tricky = { s: 'a "quoted" `tick` \\ back\nnew line \u2028 é', n: [1, 2.5, -3], t: true, f: false, z: null, e: {}, a: [] };
  const py = pythonLiteral(tricky);
  if (PYTHON) {
    const r = spawnSync(PYTHON, ['-c', `import json,sys; print(json.dumps(${py}))`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), tricky);
  }
  assert.match(py, /"t": True,\n {4}"f": False,\n {4}"z": None,/);
  // A backtick cannot sit in a Go raw string: the interpreted form is used, and it is JSON's.
  assert.equal(goString('{"a":"`"}'), JSON.stringify('{"a":"`"}'));
  assert.equal(goString('{"a":1}'), '`{"a":1}`');
  const go = goSample({ method: 'POST', url: '/x', auth: false, body: tricky, answer: 'json' });
  assert.ok(go.includes(JSON.stringify(JSON.stringify(tricky, null, 2))), 'a body with a backtick goes in an interpreted string');
});

/** Go without a compiler: package main, imports all used, braces balanced outside strings and comments, tabs only. */
function goProblems(code: string): string[] {
  const problems: string[] = [];
  if (!code.startsWith('package main\n')) problems.push('not package main');
  if (!/\nfunc main\(\) \{\n/.test(code)) problems.push('no func main');
  const imports = [...(/import \(\n([^)]*)\n\)/.exec(code)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const afterImports = code.slice(code.indexOf('func main'));
  for (const i of imports) if (!afterImports.includes(`${i.split('/').pop()}.`)) problems.push(`import ${i} unused`);
  for (const used of afterImports.matchAll(/\b(bufio|fmt|io|http|os|strings)\.[A-Z]/g)) if (!imports.some((i) => i.split('/').pop() === used[1])) problems.push(`${used[1]} not imported`);
  let depth = 0;
  let inString: string | null = null;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (inString) {
      if (c === '\\' && inString === '"') i++;
      else if (c === inString) inString = null;
      continue;
    }
    if (c === '/' && code[i + 1] === '/') {
      i = code.indexOf('\n', i);
      continue;
    }
    if (c === '"' || c === '`') inString = c;
    else if (c === '{' || c === '(') depth++;
    else if (c === '}' || c === ')') depth--;
    if (depth < 0) problems.push(`closes more than it opens at ${i}`);
  }
  if (depth !== 0 || inString) problems.push('unbalanced braces or strings');
  for (const line of code.split('\n')) if (/^ +\S/.test(line) && !inRawString(code, line)) problems.push(`space indent: ${line}`);
  return problems;
}
const inRawString = (code: string, line: string) => {
  const at = code.indexOf(`\n${line}\n`);
  return (code.slice(0, at).match(/`/g)?.length ?? 0) % 2 === 1;
};

test('every sample is a valid program in its language', () => {
  const dir = mkdtempSync(join(tmpdir(), 'api-samples-'));
  try {
    const files: Record<'python' | 'sh' | 'js', string[]> = { python: [], sh: [], js: [] };
    for (const op of OPS) {
      for (const s of codeSamples(op)) {
        const name = `${op.spec}_${op.id}_${s.id}`;
        const write = (kind: keyof typeof files, ext: string) => {
          const file = join(dir, `${name}.${ext}`);
          writeFileSync(file, s.code);
          files[kind].push(file);
        };
        if (s.id === 'go') assert.deepEqual(goProblems(s.code), [], `${name}:\n${s.code}`);
        else if (s.id === 'python') write('python', 'py');
        else if (s.id === 'fetch') write('js', 'mjs');
        else if (s.id === 'websocket') JSON.parse(s.code.split('\n\n// answers')[0]);
        else if (s.lang === 'sh') write('sh', 'sh');
        else assert.fail(`${name}: no check for a ${s.lang} sample`);
      }
    }
    assert.ok(files.python.length === OPS.length && files.js.length === OPS.length, 'one Python and one fetch sample per operation');
    if (PYTHON) {
      const r = spawnSync(PYTHON, ['-m', 'py_compile', ...files.python], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    // One bash for all: each sample as a function's body (bash -n reports the file's line of a bad one).
    const allShell = join(dir, 'all.sh');
    writeFileSync(allShell, files.sh.map((f, i) => `sample_${i}() {  # ${f}\n${readFileSync(f, 'utf8')}\n}\n`).join(''));
    const sh = spawnSync('bash', ['-n', allShell], { encoding: 'utf8' });
    assert.equal(sh.status, 0, `${sh.stderr}\n${readFileSync(allShell, 'utf8').split('\n').slice(0, 5).join('\n')}`);
    // Compiled, not run: top-level await as a module allows it, inside an async function.
    for (const f of files.js) assert.doesNotThrow(() => new Script(`(async () => {\n${readFileSync(f, 'utf8')}\n})`, { filename: f }), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the checks can fail: a broken sample of each language is refused', () => {
  assert.notDeepEqual(goProblems(goSample({ method: 'GET', url: '/x', auth: false, answer: 'json' }).replace('"strings"\n', '').replace('\t"io"\n', '')), []);
  assert.notDeepEqual(goProblems(goSample({ method: 'GET', url: '/x', auth: false, answer: 'json' }).replace('}\n', '')), []);
  const dir = mkdtempSync(join(tmpdir(), 'api-samples-bad-'));
  try {
    if (PYTHON) {
      writeFileSync(join(dir, 'bad.py'), pythonSample({ method: 'GET', url: '/x', auth: true, answer: 'json' }).replace('timeout=120,', 'timeout=120,,'));
      assert.notEqual(spawnSync(PYTHON, ['-m', 'py_compile', join(dir, 'bad.py')]).status, 0);
    }
    writeFileSync(join(dir, 'bad.sh'), "curl -d 'unclosed");
    assert.throws(() => new Script(`(async () => {\n${fetchSample({ method: 'GET', url: '/x', auth: false, answer: 'json' }).replace('});', '};')}\n})`));
    assert.notEqual(spawnSync('bash', ['-n', join(dir, 'bad.sh')]).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
