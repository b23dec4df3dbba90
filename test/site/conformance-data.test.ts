// The conformance page's data contract: the shipped file and the test fixture pass it, a file that drifts is
// refused with a message naming the field (the site's build prints it and stops), and the report download is the
// upstream ConformanceReport's YAML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConformanceDataError, parseConformanceData, type ConformanceSiteData } from '../../site/src/lib/conformance/data-contract.ts';
import { reportYaml } from '../../site/src/lib/conformance/report-yaml.ts';

const SAMPLE = fileURLToPath(new URL('../fixtures/conformance-sample.json', import.meta.url));
const SHIPPED = fileURLToPath(new URL('../../site/src/data/conformance.json', import.meta.url));
const sampleText = readFileSync(SAMPLE, 'utf8');

/** The sample with one change; the parser must name what changed. */
function refusal(change: (d: ConformanceSiteData & Record<string, unknown>) => void): ConformanceDataError {
  const doc = JSON.parse(sampleText) as ConformanceSiteData & Record<string, unknown>;
  change(doc);
  try {
    parseConformanceData(JSON.stringify(doc), 'broken.json');
  } catch (err) {
    assert.ok(err instanceof ConformanceDataError, `not a ConformanceDataError: ${String(err)}`);
    return err;
  }
  assert.fail('the changed file was accepted');
}

test('the test fixture and the shipped data file both match the contract', () => {
  const sample = parseConformanceData(sampleText, SAMPLE);
  assert.deepEqual(sample.report.profiles.map((p) => p.name).sort(), ['MESH-GRPC', 'MESH-HTTP']);
  assert.ok(sample.tests.length > 20);
  const shipped = parseConformanceData(readFileSync(SHIPPED, 'utf8'), SHIPPED);
  assert.equal(shipped.report.kind, 'ConformanceReport');
});

test('a wrong result value is refused, naming the field and the allowed values', () => {
  const err = refusal((d) => void (d.tests[3].result = 'pass' as 'passed'));
  assert.match(err.message, /^broken\.json does not match the conformance page's data contract/);
  assert.match(err.message, /\/tests\/3\/result: must be one of "passed", "failed", "skipped"/);
  assert.match(err.message, /npm run conformance:site/);
});

test('unknown and missing fields are named', () => {
  assert.match(refusal((d) => void (d.generatedat = 'x')).message, /\(top level\): unknown field "generatedat"/);
  assert.match(refusal((d) => void delete (d.tests[0] as Partial<ConformanceSiteData['tests'][0]>).checks).message, /\/tests\/0: missing field "checks"/);
  assert.match(refusal((d) => void delete (d.report.profiles[0].core as Partial<ConformanceSiteData['report']['profiles'][0]['core']>).statistics).message, /\/report\/profiles\/0\/core: missing field "statistics"/);
  assert.match(refusal((d) => void ((d.report as { kind: string }).kind = 'Report')).message, /\/report\/kind: must be "ConformanceReport"/);
});

test('the table and the report must agree: a test marked failed that the report does not list is refused', () => {
  const err = refusal((d) => {
    const passed = d.tests.find((t) => t.profile === 'MESH-HTTP' && t.result === 'passed')!;
    passed.result = 'failed';
    passed.reason = 'made up';
  });
  assert.match(err.message, /MESH-HTTP\): failedTests \[.*\] differ from the tests marked failed/);
});

test('a failed test without a reason, a source at another commit, a test of no profile and a wrong SMI grade are refused', () => {
  assert.match(refusal((d) => void delete d.tests.find((t) => t.result === 'failed')!.reason).message, /a failed test needs a reason/);
  assert.match(refusal((d) => void (d.tests[0].source = d.tests[0].source.replace(d.gatewayAPI.commit, '0123456'))).message, /\/tests\/0\/source: must link to gateway-api at commit/);
  assert.match(refusal((d) => void (d.tests[0].profile = 'GATEWAY-HTTP')).message, /"GATEWAY-HTTP" is not a profile of the report/);
  assert.match(refusal((d) => void (d.smi[0].grade = d.smi[0].grade === 'Full' ? 'Partial' : 'Full')).message, /\/smi\/0\/grade: .* which grades/);
});

test('a file that is not JSON is refused as such', () => {
  assert.throws(() => parseConformanceData('{"generatedAt": ', 'half.json'), /half\.json does not match .*\n {2}- not JSON/);
});

test('the report download is the ConformanceReport as upstream writes it: sorted keys, unindented lists, quoted date', () => {
  const { report } = parseConformanceData(sampleText, SAMPLE);
  const text = reportYaml(report);
  assert.deepEqual(parseYaml(text), report);
  const topKeys = [...text.matchAll(/^([A-Za-z]+):/gm)].map((m) => m[1]);
  assert.deepEqual(topKeys, [...topKeys].sort());
  assert.match(text, /\ndate: "\d{4}-/);
  assert.match(text, /\nprofiles:\n- core:\n/);
});
