// `playground up`: the embedded sandbox with the sample app, the playground server and the built site on one URL.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../../sandbox/index.js';
import { IN_CLUSTER } from '../kube/cluster-connection.js';
import { LOADGEN_IMAGES } from '../loadgen/pod-image.js';
import { startPlaygroundServer } from '../server.js';
import { SESSION_CLIENT_LIMITS } from '../sessions/session-manager.js';
import type { UpFlags } from '../cli.js';
import { untilSignal } from './signals.js';

const SITE_DIR = fileURLToPath(new URL('../../dist/site', import.meta.url));

export async function up(flags: UpFlags): Promise<number> {
  if (!existsSync(join(SITE_DIR, 'index.html')))
    throw new Error(`the site is not built (${SITE_DIR} is missing): run "npm run build" or "npm start"`);
  const dataDir = resolve(flags.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // holds the database and the sandbox's admin kubeconfig
  // An existing cluster (--kubeconfig) is used through the Kubernetes API alone; otherwise the embedded sandbox.
  const kubeconfigPath = flags.kubeconfig === IN_CLUSTER ? IN_CLUSTER : flags.kubeconfig ? resolve(flags.kubeconfig) : join(dataDir, 'sandbox.kubeconfig');
  const cluster = flags.kubeconfig
    ? undefined
    : await startSandbox({ host: '127.0.0.1', port: 0, kubeconfigPath, deploySample: true, images: LOADGEN_IMAGES });
  const server = await startPlaygroundServer({ host: flags.host, port: flags.port, kubeconfigPath, siteDir: SITE_DIR, dataDir, database: flags.database, allowedHosts: flags.allowedHosts, trustProxy: flags.trustProxy,
    sessionClientLimits: flags.sessionsPerClient === undefined ? undefined : { ...SESSION_CLIENT_LIMITS, createBurst: flags.sessionsPerClient, maxLivePerClient: flags.sessionsPerClient } });
  process.stdout.write(`Mesh Playground is up at ${server.url} (${cluster ? `sandbox API ${cluster.url}` : 'cluster from'}, kubeconfig ${kubeconfigPath})\n`);
  await cluster?.waitForReady('default', 60_000).then(
    () => process.stdout.write('sample app ready: kubectl --kubeconfig ' + kubeconfigPath + ' get pods\n'),
    (err: Error) => process.stderr.write(`sample app not ready: ${err.message}\n`),
  );

  const signal = await untilSignal();
  process.stderr.write(`${signal}: stopping\n`);
  await server.close();
  await cluster?.stop();
  return 0;
}
