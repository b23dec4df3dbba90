// `playground conformance` with no --kubeconfig starts the embedded sandbox itself (through sandbox/index.ts),
// runs against it over its Kubernetes API, prints the table, writes the report, and exits 0 when every test run
// passed; the SMI profile alone writes no Gateway API report and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { reportSchemaErrors } from './report-schema.js';

const BIN = fileURLToPath(new URL('../../bin/playground.js', import.meta.url));

test('playground conformance without --kubeconfig runs against an embedded sandbox it starts and stops', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-embedded-'));
  try {
    const reportPath = join(dir, 'report.yaml');
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [BIN, 'conformance', '--profile', 'MESH-HTTP,SMI', '--only', 'MeshBasic,traffic-spec', '--report', reportPath, '--json', join(dir, 'results.json')], { timeout: 150_000, env: { ...process.env, PLAYGROUND_TEST_BREAK_MESH_FEATURE: '' } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /starting the embedded sandbox/);
    assert.match(r.stdout, /^GAMMA\s+MeshBasic\s+passed\s*$/m);
    assert.match(r.stdout, /^SMI\s+traffic-spec\s+passed \(Full 4\/4\)\s*$/m);
    assert.match(r.stdout, /^SMI\s+traffic-access\s+skipped\s+test explicitly skipped$/m);
    const report = parseYaml(readFileSync(reportPath, 'utf8')) as { profiles: { name: string; core: { statistics: { Passed: number } } }[] };
    assert.deepEqual(reportSchemaErrors(report), []);
    assert.deepEqual(report.profiles.map((p) => [p.name, p.core.statistics.Passed]), [['MESH-HTTP', 1]]);
    const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { name: string; outcome: string; grade?: string }[]; report: unknown };
    assert.deepEqual(json.results.find((x) => x.name === 'traffic-spec'), { ...json.results.find((x) => x.name === 'traffic-spec'), outcome: 'passed', grade: 'Full' });
    assert.deepEqual(json.report, report);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
