// `playground sandbox`: only the embedded cluster, until SIGINT/SIGTERM.
import { resolve } from 'node:path';
import { startSandbox } from '../../sandbox/index.js';
import { LOADGEN_IMAGES } from '../loadgen/pod-image.js';
import type { SandboxFlags } from '../cli.js';
import { untilSignal } from './signals.js';

export async function sandbox(flags: SandboxFlags): Promise<number> {
  const kubeconfigPath = resolve(flags.kubeconfig);
  const cluster = await startSandbox({
    host: flags.host,
    port: flags.port,
    kubeconfigPath,
    deploySample: flags.withSample,
    images: LOADGEN_IMAGES,
  });
  if (flags.withSample) await cluster.waitForReady('default', 60_000);
  process.stdout.write(`sandbox ready at ${cluster.url} — kubectl --kubeconfig ${kubeconfigPath} get pods -A\n`);
  const signal = await untilSignal();
  process.stderr.write(`${signal}: stopping the sandbox and its pods\n`);
  await cluster.stop();
  return 0;
}
