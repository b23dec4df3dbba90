// The runner's pure parts against upstream's behaviour: the echo output parser (parse.go), the client command and
// comparison (pod.go makeRequest/compareRequest), the weighted-distribution check (utils/weight), the report's
// grading (suite/reports.go) with schema validation, the test definitions' consistency with the vendored
// manifests, and flag parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseEchoBatch, parseEchoResponse } from '../../playground-server/conformance/echo-output.js';
import { clientCommand, compareResponse } from '../../playground-server/conformance/echo-request.js';
import { MESH_PROFILES, SANDBOX_SUPPORTED_FEATURES, profileGrades } from '../../playground-server/conformance/features.js';
import { parseConformanceFlags } from '../../playground-server/conformance/flags.js';
import { MESH_CONFORMANCE_TESTS, caseName } from '../../playground-server/conformance/mesh-tests.js';
import { buildConformanceReport } from '../../playground-server/conformance/report.js';
import type { TestResult } from '../../playground-server/conformance/results.js';
import { DEFAULT_IMPLEMENTATION } from '../../playground-server/conformance/run-conformance.js';
import { smiGrade } from '../../playground-server/conformance/smi/smi-scenarios.js';
import { GATEWAY_API_CONFORMANCE_DIR } from '../../playground-server/conformance/upstream-files.js';
import { backendOf, checkDistribution } from '../../playground-server/conformance/weighted.js';
import { reportSchemaErrors } from './report-schema.js';

// What the echo client prints for one request (the shape of istio's forwarder output).
const OUTPUT = [
  '[0] Url=http://echo/set',
  '[0] Header=Some-Other-Header:val',
  '[0] StatusCode=200',
  '[0] ResponseHeader=Content-Type:text/plain',
  '[0] ResponseHeader=X-Header-Set:set',
  '[0 body] ServiceVersion=v1',
  '[0 body] Method=GET',
  '[0 body] Host=echo',
  '[0 body] RequestHeader=Some-Other-Header:val',
  '[0 body] RequestHeader=X-Header-Add:a',
  '[0 body] RequestHeader=X-Header-Add:b',
  '[0 body] Hostname=echo-v1-6d9f7c5b8-abcde',
  '',
].join('\n');

test('the echo output parses as parse.go reads it: first field wins, headers collected', () => {
  const r = parseEchoResponse(OUTPUT);
  assert.equal(r.code, '200');
  assert.equal(r.hostname, 'echo-v1-6d9f7c5b8-abcde');
  assert.equal(r.host, 'echo', 'Host= is not confused with Hostname=');
  assert.deepEqual(r.requestHeaders.get('x-header-add'), ['a', 'b']);
  assert.equal(r.responseHeaders.get('x-header-set'), 'set');
  const batch = parseEchoBatch(`${OUTPUT}\n${OUTPUT.replace('echo-v1-6d9f7c5b8-abcde', 'echo-v2-7f8-xyz12')}\n2026-01-01T00:00:00.000000Z\tinfo\tAll 2 requests succeeded\n`);
  assert.deepEqual(batch.map((b) => b.hostname), ['echo-v1-6d9f7c5b8-abcde', 'echo-v2-7f8-xyz12']);
});

test('the client command is built as makeRequest builds it', () => {
  assert.deepEqual(clientCommand({ path: '/v2', headers: { Version: 'two' } }, 'echo'), ['client', 'http://echo/v2', '--method=GET', '-H', 'Version:two']);
  assert.deepEqual(clientCommand({ host: 'echo:80' }, 'echo:80'), ['client', 'http://echo', '--method=GET'], 'the default port is dropped');
  assert.deepEqual(clientCommand({ protocol: 'grpc', host: 'echo:7070' }, 'echo:7070', 500), ['client', 'grpc://echo:7070', '--count=500'], 'no --method for grpc');
  assert.deepEqual(clientCommand({}, 'fd00::1'), ['client', 'http://[fd00::1]', '--method=GET']);
});

test('responses are compared as compareRequest compares them, with upstream-like reasons', () => {
  const r = parseEchoResponse(OUTPUT);
  assert.equal(compareResponse({ request: {}, backend: 'echo-v1', responseHeaders: { 'X-Header-Set': 'set' } }, r), undefined);
  assert.equal(compareResponse({ request: {}, backend: 'echo-v2' }, r), 'expected pod name to start with echo-v2, got echo-v1-6d9f7c5b8-abcde');
  assert.equal(compareResponse({ request: {}, statusCodes: [404] }, r), 'wanted status code to be one of [404], got 200');
  assert.equal(compareResponse({ request: {}, expectedRequest: { headers: { 'X-Header-Add': 'a,b' } } }, r), undefined, 'values joined with commas');
  assert.match(compareResponse({ request: {}, expectedRequest: { headers: { 'X-Header-Set': 'x' } } }, r)!, /^expected X-Header-Set header to be set, actual headers: map\[/);
  assert.equal(compareResponse({ request: {}, expectedRequest: { absentHeaders: ['some-other-header'] } }, r), 'expected some-other-header header to not be set, got val');
  assert.equal(compareResponse({ request: {}, absentResponseHeaders: ['X-Header-Set'] }, r), 'expected no header "X-Header-Set", got [set]');
  assert.equal(compareResponse({ request: {} }, parseEchoResponse('garbage')), "invalid status code ''");
  // Upstream's mesh comparison does not look at the path the backend saw: neither does the runner.
  assert.equal(compareResponse({ request: {}, expectedRequest: { path: '/elsewhere' } }, r), undefined);
});

test('weights are checked as utils/weight checks them: 500 samples, ±5 points, exactly the weighted backends', () => {
  assert.equal(backendOf('echo-v1-6d9f7c5b8-abcde'), 'echo-v1');
  const sample = (v1: number) => [...Array(v1).fill('echo-v1-a-b'), ...Array(500 - v1).fill('echo-v2-c-d')];
  assert.deepEqual(checkDistribution(sample(350), { 'echo-v1': 0.7, 'echo-v2': 0.3 }), []);
  assert.deepEqual(checkDistribution(sample(374), { 'echo-v1': 0.7, 'echo-v2': 0.3 }), [], '74.8% is within 5 points');
  assert.deepEqual(checkDistribution(sample(380), { 'echo-v1': 0.7, 'echo-v2': 0.3 }), [
    'backend "echo-v1" weighted traffic of 0.76 not within tolerance 0.7 (+/-0.05)',
    'backend "echo-v2" weighted traffic of 0.24 not within tolerance 0.3 (+/-0.05)',
  ]);
  assert.deepEqual(checkDistribution(sample(500), { 'echo-v1': 1, 'echo-v2': 0 }), []);
  assert.deepEqual(checkDistribution(sample(499), { 'echo-v1': 1, 'echo-v2': 0 }), ['expected 1 backends to receive traffic, but got 2']);
  assert.match(checkDistribution(['other-x-y', ...sample(500).slice(1)], { 'echo-v1': 1 })[0], /unexpected pod "other-x-y"/);
  assert.deepEqual(checkDistribution(sample(400).slice(1), { 'echo-v1': 1 }), ['expected 500 responses but got 499']);
});

test('the report grades as upstream: a core failure fails the profile, skips make it partial, provisional passes are listed', () => {
  const result = (name: string, outcome: TestResult['outcome']): TestResult => ({ suite: 'mesh', name, outcome, reason: '', durationMs: 1, provisional: MESH_CONFORMANCE_TESTS.find((t) => t.shortName === name)?.provisional });
  const results = MESH_CONFORMANCE_TESTS.map((t) => result(t.shortName, 'passed'));
  const passing = buildConformanceReport({ results, tests: MESH_CONFORMANCE_TESTS, profiles: ['MESH-HTTP', 'MESH-GRPC'], supportedFeatures: new Set(SANDBOX_SUPPORTED_FEATURES), implementation: DEFAULT_IMPLEMENTATION, gatewayAPIVersion: 'v1.5.1', gatewayAPIChannel: 'experimental' });
  assert.deepEqual(reportSchemaErrors(passing), []);
  const http = passing.profiles[0];
  // As Istio's published v1.5 report: 7 core, 7 extended tests in MESH-HTTP.
  assert.deepEqual([http.name, http.core.statistics.Passed, http.extended?.statistics.Passed], ['MESH-HTTP', 7, 7]);
  assert.equal(http.summary, 'Core tests succeeded. Extended tests succeeded.');
  const grpc = passing.profiles[1];
  assert.deepEqual([grpc.name, grpc.core.statistics.Passed, grpc.extended], ['MESH-GRPC', 3, undefined], 'MeshBasic and the two GRPCRoute tests');
  assert.deepEqual(passing.succeededProvisionalTests, ['MeshHTTPRoute303Redirect', 'MeshHTTPRoute307Redirect', 'MeshHTTPRoute308Redirect', 'MeshHTTPRouteNamedRule']);

  const mixed = results.map((r) => (r.name === 'MeshTrafficSplit' ? { ...r, outcome: 'failed' as const } : r.name === 'MeshHTTPRouteRewritePath' ? { ...r, outcome: 'skipped' as const } : r));
  const supported = new Set(SANDBOX_SUPPORTED_FEATURES.filter((f) => f !== 'MeshClusterIPMatching'));
  const report = buildConformanceReport({ results: mixed, tests: MESH_CONFORMANCE_TESTS, profiles: ['MESH-HTTP'], supportedFeatures: supported, implementation: DEFAULT_IMPLEMENTATION, gatewayAPIVersion: 'UNDEFINED', gatewayAPIChannel: 'UNDEFINED' });
  assert.deepEqual(reportSchemaErrors(report), []);
  const p = report.profiles[0];
  assert.deepEqual([p.core.result, p.core.failedTests], ['failure', ['MeshTrafficSplit']]);
  assert.deepEqual([p.extended?.result, p.extended?.skippedTests], ['partial', ['MeshHTTPRouteRewritePath']]);
  assert.equal(p.summary, 'Core tests failed with 1 test failures. Extended tests partially succeeded with 1 test skips.');
  assert.deepEqual(p.extended?.unsupportedFeatures, ['MeshClusterIPMatching']);
  // A report missing a required field does not validate.
  const { implementation: _, ...broken } = report;
  assert.ok(reportSchemaErrors(broken).some((e) => e.includes("must have required property 'implementation'")));
  assert.ok(reportSchemaErrors({ ...report, profiles: [{ ...p, core: { ...p.core, statistics: { passed: 1 } } }] }).length > 0, 'statistics keys are capitalized, as upstream serializes them');
});

test('every test definition names vendored manifests and upstream features; names are unique', () => {
  const names = MESH_CONFORMANCE_TESTS.map((t) => t.shortName);
  assert.equal(new Set(names).size, names.length);
  assert.equal(names.length, 23, '20 tests + 3 provisional redirect tests');
  for (const t of MESH_CONFORMANCE_TESTS) {
    for (const m of t.manifests) assert.ok(existsSync(join(GATEWAY_API_CONFORMANCE_DIR, m)), `${t.shortName}: ${m} is vendored`);
    assert.ok(t.cases.length > 0, t.shortName);
    assert.ok(profileGrades(MESH_PROFILES['MESH-HTTP'], t.features) || profileGrades(MESH_PROFILES['MESH-GRPC'], t.features) || t.features.some((f) => f.startsWith('HTTPRoute')), t.shortName);
  }
  assert.equal(caseName(MESH_CONFORMANCE_TESTS.find((t) => t.shortName === 'MeshHTTPRouteMatching')!.cases[3], 3), "3 request to '/v2' should go to echo-v2");
});

test('SMI capabilities are graded Full / Partial / None', () => {
  assert.deepEqual([smiGrade(3, 3), smiGrade(1, 3), smiGrade(0, 3), smiGrade(0, 0)], ['Full', 'Partial', 'None', 'None']);
});

test('flags: defaults, lists, and the namespace labels', () => {
  const d = parseConformanceFlags([]);
  assert.deepEqual(d.profiles, ['MESH-HTTP', 'MESH-GRPC', 'SMI']);
  assert.deepEqual(d.namespaceLabels, { 'istio-injection': 'enabled' });
  assert.equal(d.supportedFeatures.size, SANDBOX_SUPPORTED_FEATURES.length);
  const f = parseConformanceFlags(['--profile', 'mesh-http', '--only', 'MeshBasic,traffic-split', '--skip', 'MeshPorts', '--namespace-labels', 'mesh.playground.dev/inject=enabled', '--namespace-annotations', 'linkerd.io/inject=enabled', '--supported-features', 'Mesh,HTTPRoute']);
  assert.deepEqual(f.profiles, ['MESH-HTTP']);
  assert.deepEqual([...f.only], ['MeshBasic', 'traffic-split']);
  assert.deepEqual(f.namespaceLabels, { 'mesh.playground.dev/inject': 'enabled' });
  assert.deepEqual(f.namespaceAnnotations, { 'linkerd.io/inject': 'enabled' });
  assert.deepEqual([...f.supportedFeatures], ['Mesh', 'HTTPRoute']);
  assert.throws(() => parseConformanceFlags(['--supported-features', 'Teleport']), /unknown feature "Teleport"/);
  assert.throws(() => parseConformanceFlags(['--namespace-labels', 'a=b c']), /not a valid label value/);
  assert.throws(() => parseConformanceFlags(['--max-time-to-consistency', '0']), /seconds from 1 to 300/);
});

test('progress: one line rewritten in place on a TTY, plain lines otherwise', async () => {
  const { progressDisplay } = await import('../../playground-server/conformance/progress-display.js');
  const { Writable } = await import('node:stream');
  const capture = () => {
    let text = '';
    const out = new Writable({ write: (chunk: Buffer, _e, done) => ((text += chunk), done()) });
    return { out, text: () => text };
  };
  const result: TestResult = { suite: 'mesh', name: 'MeshBasic', outcome: 'failed', reason: 'wanted 200, got 503', durationMs: 1200 };
  const tty = capture();
  const onTty = progressDisplay(tty.out, true);
  onTty({ type: 'test-start', suite: 'mesh', name: 'MeshBasic', index: 0, total: 2 });
  onTty({ type: 'step', name: 'MeshBasic', step: 'request' });
  onTty({ type: 'test-end', result, index: 0, total: 2 });
  assert.equal(tty.text(), '[1/2] MeshBasic\r\x1b[2K[1/2] MeshBasic — request\r\x1b[2KFAIL MeshBasic 1.2s — wanted 200, got 503\n');
  const plain = capture();
  const onPlain = progressDisplay(plain.out, false);
  onPlain({ type: 'test-start', suite: 'mesh', name: 'MeshBasic', index: 0, total: 2 });
  onPlain({ type: 'step', name: 'MeshBasic', step: 'request' });
  onPlain({ type: 'test-end', result, index: 0, total: 2 });
  onPlain({ type: 'test-end', result: { ...result, name: 'MeshPorts', outcome: 'skipped' }, index: 1, total: 2 });
  assert.equal(plain.text(), 'FAIL MeshBasic 1.2s — wanted 200, got 503\nSKIP MeshPorts\n');
});
