// `playground conformance`: the Gateway API mesh profiles and the SMI suite against a cluster — the embedded
// sandbox, started here and reached over its Kubernetes API like any cluster, or the one --kubeconfig names.
// Progress on stderr, the results table on stdout, the ConformanceReport as YAML with --report; exit 1 when a test
// failed. Ctrl-C stops the run and still deletes the test namespaces (a second Ctrl-C exits at once).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ConformanceCluster } from '../conformance/cluster-client.js';
import { progressDisplay } from '../conformance/progress-display.js';
import { resultsTable } from '../conformance/results-table.js';
import { runConformance } from '../conformance/run-conformance.js';
import { conformanceSiteData } from '../conformance/site-data.js';
import type { ConformanceFlags } from '../conformance/flags.js';

export async function conformance(flags: ConformanceFlags): Promise<number> {
  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping; deleting the test namespaces (again to quit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let sandbox: Sandbox | undefined;
  let tempDir: string | undefined;
  let cluster: ConformanceCluster | undefined;
  try {
    let kubeconfigPath = flags.kubeconfig ? resolve(flags.kubeconfig) : undefined;
    if (!kubeconfigPath) {
      tempDir = mkdtempSync(join(tmpdir(), 'playground-conformance-'));
      kubeconfigPath = join(tempDir, 'kubeconfig');
      process.stderr.write('· starting the embedded sandbox\n');
      sandbox = await startSandbox({ host: '127.0.0.1', port: 0, kubeconfigPath });
    }
    cluster = ConformanceCluster.fromKubeconfigFile(kubeconfigPath, { labels: flags.namespaceLabels, annotations: flags.namespaceAnnotations });
    const display = progressDisplay(process.stderr, process.stderr.isTTY === true);
    const run = await runConformance(cluster, {
      profiles: flags.profiles,
      only: flags.only,
      skip: flags.skip,
      supportedFeatures: flags.supportedFeatures,
      keep: flags.keep,
      signal: abort.signal,
      progress: display,
      implementation: flags.implementation,
      convergence: flags.convergence,
    }).finally(() => display.done());
    process.stdout.write(`\n${resultsTable(run.results, run.report)}`);
    if (flags.report && run.report) {
      writeFileSync(flags.report, stringifyYaml(run.report), { mode: 0o644 });
      process.stdout.write(`report written to ${flags.report}\n`);
    } else if (flags.report) process.stdout.write(`no report written: a ConformanceReport covers the MESH-HTTP and MESH-GRPC profiles, and neither was run\n`);
    if (flags.json) {
      writeFileSync(flags.json, `${JSON.stringify({ results: run.results, report: run.report ?? null }, null, 2)}\n`, { mode: 0o644 });
      process.stdout.write(`results written to ${flags.json}\n`);
    }
    if (flags.siteData && run.report) {
      // The command line as a reader can repeat it (paths and the sandbox-only break switch are not part of it).
      writeFileSync(flags.siteData, `${JSON.stringify(conformanceSiteData(run, 'npx playground conformance'), null, 2)}\n`, { mode: 0o644 });
      process.stdout.write(`site data written to ${flags.siteData}\n`);
    }
    if (flags.keep && run.namespaces.length) process.stdout.write(`kept namespaces: ${run.namespaces.join(', ')}\n`);
    if (abort.signal.aborted) return 130;
    return run.results.some((r) => r.outcome === 'failed') ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cluster?.close();
    await sandbox?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}
