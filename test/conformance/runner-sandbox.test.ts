// The conformance runner against an in-process sandbox over its real Kubernetes API (kubeconfig, HTTPS, exec over
// WebSocket), as `playground conformance` drives any cluster: the mesh tests the sandbox passes pass, the report
// validates against the ConformanceReport schema and grades as upstream does, the SMI scenarios pass with grades,
// and every namespace the run created is gone afterwards (checked with the real kubectl).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConformanceCluster } from '../../playground-server/conformance/cluster-client.js';
import { SANDBOX_SUPPORTED_FEATURES } from '../../playground-server/conformance/features.js';
import { MESH_CONFORMANCE_TESTS } from '../../playground-server/conformance/mesh-tests.js';
import { resultsTable } from '../../playground-server/conformance/results-table.js';
import type { ProgressEvent } from '../../playground-server/conformance/results.js';
import { runConformance, type ConformanceRun } from '../../playground-server/conformance/run-conformance.js';
import { SMI_SCENARIOS } from '../../playground-server/conformance/smi/smi-scenarios.js';
import { startCluster, type ClusterFixture } from '../cluster/fixture.js';
import { EXPECTED_TO_PASS, EXPECT_WHOLE_PROFILE } from './expected-results.js';
import { reportSchemaErrors } from './report-schema.js';

describe('playground conformance against the sandbox (in process, over its API)', { timeout: 300_000 }, () => {
  let c: ClusterFixture;
  let cluster: ConformanceCluster;
  let run: ConformanceRun;
  const events: ProgressEvent[] = [];

  before(async () => {
    c = await startCluster();
    cluster = ConformanceCluster.fromKubeconfigFile(c.kubeconfig, { labels: { 'istio-injection': 'enabled' }, annotations: {} });
    run = await runConformance(cluster, {
      profiles: ['MESH-HTTP', 'MESH-GRPC', 'SMI'],
      only: new Set([...EXPECTED_TO_PASS, ...SMI_SCENARIOS.map((s) => s.name)]),
      skip: new Set(),
      supportedFeatures: new Set(SANDBOX_SUPPORTED_FEATURES),
      keep: false,
      signal: new AbortController().signal,
      progress: (e) => events.push(e),
    });
  });
  after(async () => {
    cluster?.close();
    await c?.close();
  });

  test('every mesh test expected to pass passes; the others are reported skipped', () => {
    const table = resultsTable(run.results, run.report);
    for (const name of EXPECTED_TO_PASS) {
      const r = run.results.find((x) => x.name === name);
      assert.equal(r?.outcome, 'passed', `${name}: ${r?.reason}\n${table}`);
    }
    for (const t of MESH_CONFORMANCE_TESTS.filter((x) => !EXPECTED_TO_PASS.includes(x.shortName))) {
      assert.equal(run.results.find((x) => x.name === t.shortName)?.outcome, 'skipped', t.shortName);
    }
    assert.match(table, /^GAMMA\s+MeshHTTPRouteWeight\s+passed/m);
    // Progress reported each test's start and end.
    assert.ok(events.some((e) => e.type === 'test-end' && e.result.name === 'MeshBasic'));
  });

  test('the report is a ConformanceReport that validates against the schema and grades as upstream', () => {
    const report = run.report!;
    assert.deepEqual(reportSchemaErrors(report), []);
    assert.equal(report.apiVersion, 'gateway.networking.k8s.io/v1');
    assert.equal(report.kind, 'ConformanceReport');
    assert.equal(report.mode, 'default');
    assert.equal(report.gatewayAPIChannel, 'experimental', 'from the cluster CRD annotation');
    const http = report.profiles.find((p) => p.name === 'MESH-HTTP')!;
    assert.equal(http.core.statistics.Failed, 0);
    assert.ok(http.core.statistics.Passed >= 5, JSON.stringify(http.core));
    // MeshPorts, MeshConsumerRoute, MeshFrontend need features outside MESH-HTTP: upstream grades them in no profile.
    for (const list of [http.core.skippedTests ?? [], http.extended?.skippedTests ?? []]) for (const n of ['MeshPorts', 'MeshConsumerRoute']) assert.ok(!list.includes(n));
    assert.ok(http.extended?.supportedFeatures?.includes('MeshHTTPRouteQueryParamMatching'));
    if (EXPECT_WHOLE_PROFILE) {
      for (const p of report.profiles) {
        assert.equal(p.core.result, 'success', `${p.name}: ${p.summary}`);
        if (p.extended) assert.equal(p.extended.result, 'success', `${p.name}: ${p.summary}`);
      }
      assert.deepEqual(report.succeededProvisionalTests, ['MeshHTTPRoute303Redirect', 'MeshHTTPRoute307Redirect', 'MeshHTTPRoute308Redirect', 'MeshHTTPRouteNamedRule']);
    } else {
      assert.equal(http.core.result, 'partial', 'core tests not run count as skipped');
      assert.ok(http.core.skippedTests?.includes('MeshHTTPRouteRedirectHostAndStatus'));
    }
    assert.ok(report.succeededProvisionalTests?.includes('MeshHTTPRouteNamedRule'));
  });

  test('the SMI scenarios pass, each graded Full', () => {
    for (const s of SMI_SCENARIOS) {
      const r = run.results.find((x) => x.suite === 'smi' && x.name === s.name);
      assert.equal(r?.outcome, 'passed', `${s.name}: ${r?.reason}`);
      assert.equal(r?.grade, 'Full');
      assert.ok(r!.assertions!.total >= 3 && r!.assertions!.passed === r!.assertions!.total);
    }
  });

  test('nothing is left behind: the namespaces the run created are gone', async () => {
    assert.deepEqual(run.namespaces.sort(), ['gateway-conformance-mesh', 'gateway-conformance-mesh-consumer', 'smi-conformance']);
    const ns = await c.kubectl(['get', 'namespaces', '-o', 'name']);
    assert.equal(ns.code, 0, ns.stderr);
    for (const n of run.namespaces) assert.ok(!ns.stdout.includes(`namespace/${n}\n`), `${n} still exists:\n${ns.stdout}`);
    const routes = await c.kubectl(['get', 'httproutes,traffictargets,trafficsplits,httproutegroups', '-A', '-o', 'name']);
    assert.equal(routes.stdout.trim(), '', routes.stdout);
  });
});
