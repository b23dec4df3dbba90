// Contract 2 end to end: `playground up --kubeconfig` runs no sandbox of its own; it drives a cluster running in
// another process (here `playground sandbox`) through the Kubernetes API alone, with deploy/'s least-privilege
// ServiceAccount — sessions become namespaces there, with the same tenancy objects as in the embedded sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { startCli, stopCli as stop } from './cli-process.js';

const DEPLOY = (file: string) => fileURLToPath(new URL(`../../deploy/${file}`, import.meta.url));

test('playground up --kubeconfig uses an existing cluster through the Kubernetes API only', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'playground-external-'));
  const kubeconfig = join(dir, 'cluster.kubeconfig');
  const cluster = await startCli(['sandbox', '--port', '0', '--kubeconfig', kubeconfig], /sandbox ready at (https:\/\/\S+)/);
  t.after(() => stop(cluster.child));
  // The server runs as deploy/'s least-privilege ServiceAccount, not as the cluster's admin.
  const admin = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
  await admin('apply', '-f', DEPLOY('namespace.yaml'), '-f', DEPLOY('server-rbac.yaml'));
  // The whole kustomization is valid as the API server judges it (the server's Deployment is not run here).
  assert.match(await admin('apply', '-k', fileURLToPath(new URL('../../deploy', import.meta.url)), '--dry-run=server'), /deployment\.apps\/playground-server created \(server dry run\)/);
  const serverToken = (await admin('create', 'token', 'playground-server', '-n', 'mesh-playground', '--duration=1h')).trim();
  const serverConfig = parseYaml(readFileSync(kubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  serverConfig.users[0].user = { token: serverToken };
  const serverKubeconfig = join(dir, 'server.kubeconfig');
  writeFileSync(serverKubeconfig, stringifyYaml(serverConfig), { mode: 0o600 });
  const up = await startCli(['up', '--port', '0', '--kubeconfig', serverKubeconfig, '--data-dir', join(dir, 'data')], /is up at (http:\/\/\S+)/);
  t.after(() => stop(up.child));
  assert.doesNotMatch(up.output(), /sandbox API/, 'up started no sandbox of its own');

  const res = await fetch(`${up.match[1]}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apps: ['httpbin'] }) });
  assert.equal(res.status, 201, await res.clone().text());
  const { session } = (await res.json()) as { session: { namespace: string } };

  // The session's namespace and workloads exist in the other process's cluster, as the real kubectl sees them.
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (err, stdout, stderr) => (err && !stdout ? reject(new Error(stderr)) : resolve(stdout))),
    );
  const pods = await kubectl('get', 'pods', '-n', session.namespace);
  assert.match(pods, /^httpbin-\S+\s+2\/2\s+Running/m);

  // The tenancy objects a multi-tenant cluster needs, created through the Kubernetes API in the other process.
  const names = await kubectl('get', 'roles,rolebindings,resourcequotas,limitranges,networkpolicies', '-n', session.namespace, '-o', 'name');
  assert.deepEqual(names.trim().split('\n').sort(), [
    'limitrange/playground-limits',
    'networkpolicy.networking.k8s.io/playground-same-namespace',
    'resourcequota/playground-quota',
    'role.rbac.authorization.k8s.io/playground-learner',
    'rolebinding.rbac.authorization.k8s.io/playground-learner',
  ]);
  // The learner's Role is enforced there: it may update pods, not their status, and not Endpoints.
  const learner = `system:serviceaccount:${session.namespace}:learner`;
  const can = (verb: string, resource: string, namespace = session.namespace, ...more: string[]) => kubectl('auth', 'can-i', verb, resource, '-n', namespace, `--as=${learner}`, ...more).then((o) => o.trim());
  assert.equal(await can('update', 'pods'), 'yes');
  assert.equal(await can('update', 'pods', session.namespace, '--subresource=status'), 'no');
  assert.equal(await can('create', 'endpoints'), 'no');
  assert.equal(await can('list', 'pods', 'default'), 'no');
  const quota = await kubectl('get', 'resourcequota', 'playground-quota', '-n', session.namespace, '-o', 'jsonpath={.status.used.pods}');
  assert.match(quota, /^[1-9]\d*$/, 'the quota counts the session\'s pods');
});
