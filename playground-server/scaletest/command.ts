// `playground scale-test`: against the embedded sandbox (started here, reached over its Kubernetes API like any
// cluster) or the cluster --kubeconfig names. Progress on stderr, the report's text on stdout, JSON with --json,
// the site's page data with --site-data. Exit 0 when it scaled to the last step within every threshold, 1 when it
// stopped scaling (the verdict says where and why), 130 when interrupted. Ctrl-C still deletes the namespace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ClusterConnection, IN_CLUSTER } from '../kube/cluster-connection.js';
import { LOADGEN_IMAGES } from '../loadgen/pod-image.js';
import type { ScaleTestFlags } from './flags.js';
import { toText } from './report.js';
import { runScaleTest } from './run-scale-test.js';
import { scaleSiteData } from './site-data.js';

export async function scaleTest(flags: ScaleTestFlags): Promise<number> {
  const abort = new AbortController();
  const started = Date.now();
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1)} s]`;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping; deleting the test namespace (again to quit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let sandbox: Sandbox | undefined;
  let tempDir: string | undefined;
  let connection: ClusterConnection | undefined;
  try {
    // `in-cluster`: the pod's own ServiceAccount (a scale test run as a Job on the cluster it measures).
    let kubeconfigPath = flags.kubeconfig ? (flags.kubeconfig === IN_CLUSTER ? IN_CLUSTER : resolve(flags.kubeconfig)) : undefined;
    if (!kubeconfigPath) {
      tempDir = mkdtempSync(join(tmpdir(), 'playground-scale-test-'));
      kubeconfigPath = join(tempDir, 'kubeconfig');
      process.stderr.write('· starting the embedded sandbox\n');
      sandbox = await startSandbox({ host: '127.0.0.1', port: 0, kubeconfigPath, images: LOADGEN_IMAGES });
    }
    connection = ClusterConnection.fromFile(kubeconfigPath);
    const report = await runScaleTest(
      { kube: connection.admin, server: connection.server.origin, embedded: sandbox !== undefined, progress: (line) => process.stderr.write(`${stamp()} ${line}\n`), signal: abort.signal },
      flags,
    );
    process.stdout.write(`\n${toText(report)}`);
    if (flags.json) {
      writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o644 });
      process.stdout.write(`report written to ${flags.json}\n`);
    }
    if (flags.siteData) {
      const command = `npx playground scale-test --steps ${flags.steps.join(',')} --load-seconds ${flags.loadSeconds} --rps ${flags.rps}${flags.keepGoing ? ' --keep-going' : ''}`;
      writeFileSync(flags.siteData, `${JSON.stringify(scaleSiteData(report, command), null, 2)}\n`, { mode: 0o644 });
      process.stdout.write(`site data written to ${flags.siteData}\n`);
    }
    if (report.interrupted) return 130;
    return report.verdict.scaled ? 0 : 1;
  } catch (err) {
    // Interrupted while starting (the embedded sandbox, the connection): an interrupt, not a failure.
    if (!abort.signal.aborted) throw err;
    process.stderr.write(`${stamp()} · interrupted: ${(err as Error).message}\n`);
    return 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    connection?.close();
    if (sandbox) {
      process.stderr.write(`${stamp()} · stopping the embedded sandbox\n`);
      await sandbox.stop();
      process.stderr.write(`${stamp()} · stopped\n`);
    }
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}
