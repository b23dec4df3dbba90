// The error catalogue (ErrorReason in openapi/playground.yaml) and the code, held in step: every reason the
// server throws is in the catalogue with the status it is thrown with; every catalogue entry is thrown by the
// server, passed through from the cluster (client-go's reasons), or made by the browser client; and a cluster's
// Status becomes a reason/status pair the catalogue holds. (ApiError's type already refuses unknown reasons at
// compile time; this test checks what the type cannot: statuses, and entries nobody uses.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSpec } from '../../playground-server/api/spec.js';
import { CLIENT_ONLY_REASONS, KUBERNETES_STATUS_REASONS, fromClusterStatus, toApiError } from '../../playground-server/api/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface CatalogueEntry {
  const: string;
  description?: string;
  'x-status'?: number;
  'x-kubernetes'?: boolean;
  'x-client'?: boolean;
}

const catalogue = (loadSpec().document.components.schemas.ErrorReason as { oneOf: CatalogueEntry[] }).oneOf;
const byReason = new Map(catalogue.map((e) => [e.const, e]));

function sourceFiles(dir: string, ext: RegExp): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel, ext));
    else if (ext.test(entry.name)) out.push({ path: rel, text: readFileSync(join(ROOT, rel), 'utf8') });
  }
  return out;
}

const server = sourceFiles('playground-server', /\.ts$/);
const ERRORS_FILE = join('playground-server', 'api', 'errors.ts');
const errorsSource = server.find((f) => f.path === ERRORS_FILE)!.text;

/** Helpers in errors.ts that take a reason and fix the status: `badRequest = (reason: ServerErrorReason, …) => new ApiError(400, reason`. */
const reasonHelpers = new Map([...errorsSource.matchAll(/export const (\w+) = \(reason: ServerErrorReason[^)]*\) =>\s*new ApiError\((\d{3}), reason\b/g)].map((m) => [m[1], Number(m[2])]));
/** Helpers that fix both: `sessionRequired = () => new ApiError(401, 'SessionRequired', …)`. */
const fixedHelpers = new Map([...errorsSource.matchAll(/export const (\w+) = \([^)]*\) =>\s*new ApiError\((\d{3}), '(\w+)'/g)].map((m) => [m[1], { status: Number(m[2]), reason: m[3] }]));

/**
 * `new ApiError(…)` whose status or reason is not written at the call: the cluster's Status mapped to a catalogue
 * pair (fromClusterStatus), an ApiError re-wrapped with its own code and reason (withObject). A new one must be
 * added here after checking it can only produce catalogue pairs.
 */
const DYNAMIC_SITES = new Map([
  [ERRORS_FILE, reasonHelpers.size + 1], // the reason helpers themselves, and fromClusterStatus
  [join('playground-server', 'kube', 'apply.ts'), 1],
]);

interface Use {
  reason: string;
  status: number;
  at: string;
}

function usesIn(file: { path: string; text: string }): { uses: Use[]; dynamic: number } {
  const uses: Use[] = [];
  let dynamic = 0;
  const line = (index: number) => `${relative('.', file.path)}:${file.text.slice(0, index).split('\n').length}`;
  for (const m of file.text.matchAll(/new ApiError\(\s*([^,]*?),\s*([^,]*?),/g)) {
    const status = /^\d{3}$/.test(m[1]) ? Number(m[1]) : undefined;
    const reason = /^'(\w+)'$/.exec(m[2])?.[1];
    if (status !== undefined && reason) uses.push({ reason, status, at: line(m.index) });
    else dynamic++;
  }
  for (const m of file.text.matchAll(/\b(\w+)\(\s*'(\w+)'/g)) {
    const status = reasonHelpers.get(m[1]);
    if (status !== undefined) uses.push({ reason: m[2], status, at: line(m.index) });
  }
  for (const m of file.text.matchAll(/\b(\w+)\(/g)) {
    const fixed = fixedHelpers.get(m[1]);
    if (fixed && file.path !== ERRORS_FILE) uses.push({ ...fixed, at: line(m.index) });
  }
  return { uses, dynamic };
}

const scanned = server.map((f) => ({ path: f.path, ...usesIn(f) }));
const thrown = scanned.flatMap((s) => s.uses);

test('the scan finds the server\'s errors (it is not looking at nothing)', () => {
  assert.ok(reasonHelpers.size >= 4, `reason helpers found in errors.ts: ${[...reasonHelpers.keys()].join(', ')}`);
  assert.ok(fixedHelpers.has('sessionRequired') && fixedHelpers.has('validationFailed'), [...fixedHelpers.keys()].join(', '));
  assert.ok(thrown.length >= 80, `only ${thrown.length} error sites found`);
  assert.ok(new Set(thrown.map((u) => u.reason)).size >= 45, 'most of the catalogue is thrown somewhere');
});

test('every reason the server throws is in the catalogue, with the status it is thrown with', () => {
  const wrong: string[] = [];
  for (const use of thrown) {
    const entry = byReason.get(use.reason);
    if (!entry) wrong.push(`${use.at}: ${use.reason} is not in the catalogue`);
    else if (entry['x-client']) wrong.push(`${use.at}: ${use.reason} is a browser-only reason (x-client)`);
    else if (entry['x-status'] !== use.status) wrong.push(`${use.at}: ${use.reason} thrown with ${use.status}, the catalogue says ${entry['x-status']}`);
  }
  assert.deepEqual(wrong, []);
});

test('an ApiError whose status or reason is computed is one of the known pass-through sites', () => {
  const dynamic = Object.fromEntries(scanned.filter((s) => s.dynamic > 0).map((s) => [s.path, s.dynamic]));
  assert.deepEqual(dynamic, Object.fromEntries(DYNAMIC_SITES));
});

test('every catalogue entry is used: thrown by the server, passed through from the cluster, or made by the browser', () => {
  const site = sourceFiles(join('site', 'src'), /\.(ts|tsx|astro)$/);
  const serverReasons = new Set(thrown.map((u) => u.reason));
  const unused: string[] = [];
  for (const e of catalogue) {
    if (e['x-client']) {
      if (!site.some((f) => f.text.includes(`'${e.const}'`))) unused.push(`${e.const}: marked x-client but the site never makes it`);
    } else if (!serverReasons.has(e.const) && !e['x-kubernetes']) unused.push(`${e.const}: never thrown by playground-server/ (remove it, or mark where it comes from)`);
  }
  assert.deepEqual(unused, []);
});

test('each entry has a meaning and a status; browser-only entries have none', () => {
  const names = catalogue.map((e) => e.const);
  assert.equal(new Set(names).size, names.length, 'no reason twice');
  for (const e of catalogue) {
    assert.match(e.const, /^[A-Z][A-Za-z]+$/);
    assert.ok(e.description && e.description.length > 20, `${e.const}: a one-line description`);
    if (e['x-client']) assert.equal(e['x-status'], undefined, `${e.const}: the browser makes it; the server never answers it`);
    else assert.ok(Number.isInteger(e['x-status']) && e['x-status']! >= 400 && e['x-status']! <= 599, `${e.const}: x-status`);
  }
  assert.deepEqual(catalogue.filter((e) => e['x-client']).map((e) => e.const).sort(), [...CLIENT_ONLY_REASONS].sort());
});

test('the x-kubernetes entries are client-go\'s Status reasons, with the same statuses the server maps them with', () => {
  const marked = Object.fromEntries(catalogue.filter((e) => e['x-kubernetes']).map((e) => [e.const, e['x-status']]));
  assert.deepEqual(marked, { ...KUBERNETES_STATUS_REASONS });
});

test('a cluster Status becomes a pair the catalogue holds', () => {
  const pairHeld = (code: number, reason: string) => byReason.get(reason)?.['x-status'] === code;
  for (const [reason, code] of Object.entries(KUBERNETES_STATUS_REASONS)) {
    const err = fromClusterStatus(code, { reason, message: 'm', details: { name: 'x' } }, 'm');
    assert.deepEqual([err.code, err.reason, err.details], [code, reason, { kubernetes: { name: 'x' } }], reason);
  }
  // No reason: client-go's reason for the code.
  assert.deepEqual([fromClusterStatus(422, {}, 'm').code, fromClusterStatus(422, {}, 'm').reason], [422, 'Invalid']);
  // A reason that is not client-go's, or does not go with the code, does not reach the learner as is.
  const odd = fromClusterStatus(409, { reason: 'SomethingElse' }, 'm');
  assert.deepEqual([odd.code, odd.reason, odd.details?.clusterReason], [409, 'Conflict', 'SomethingElse']);
  const mismatched = fromClusterStatus(500, { reason: 'NotFound' }, 'm');
  assert.deepEqual([mismatched.code, mismatched.reason], [500, 'InternalError']);
  const teapot = fromClusterStatus(418, { reason: 'Teapot' }, 'm');
  assert.deepEqual([teapot.code, teapot.reason, teapot.details?.clusterCode], [502, 'ClusterError', 418]);
  for (const code of [400, 401, 403, 404, 405, 406, 408, 409, 410, 413, 415, 418, 422, 429, 500, 501, 502, 503, 504, 599]) {
    const e = fromClusterStatus(code, { reason: 'Whatever' }, 'm');
    assert.ok(pairHeld(e.code, e.reason), `${code} → ${e.code} ${e.reason}`);
    // client-node's ApiException takes the same path.
    const viaClient = toApiError(Object.assign(new Error('HTTP error'), { code, body: JSON.stringify({ reason: 'Whatever', message: 'no' }) }));
    assert.ok(pairHeld(viaClient.code, viaClient.reason), `client-node ${code} → ${viaClient.code} ${viaClient.reason}`);
  }
  for (const err of [new Error('connect ECONNREFUSED 10.0.0.1:6443'), new Error('boom')]) {
    const e = toApiError(err);
    assert.ok(pairHeld(e.code, e.reason), `${err.message} → ${e.code} ${e.reason}`);
  }
});
