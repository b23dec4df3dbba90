// deploy/ applied as an operator applies it — `kubectl apply --server-side -k deploy/` (kubectl's built-in
// kustomize) — to a `playground sandbox` in another process; then the server's ServiceAccount, with a token from
// the TokenRequest API, is shown to be able to do exactly what session provisioning does (tenancy.ts objects
// included) and refused what it must never do; last, a playground server running with that token creates and
// ends a real session, which proves the ClusterRole is sufficient.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { startCli, stopCli, type CliProcess } from '../cli/cli-process.js';
import { LEARNER_ROLE, tenancyObjects } from '../../playground-server/sessions/tenancy.js';
import { LEARNER_SERVICE_ACCOUNT, NAMESPACE_LABELS } from '../../playground-server/sessions/provisioner.js';

const DEPLOY_DIR = fileURLToPath(new URL('../../deploy', import.meta.url));
const SERVER_NS = 'mesh-playground';
const SESSION_NS = 'pg-deploytest';

interface Run { code: number; stdout: string; stderr: string }
interface Manifest { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }

let dir: string;
let cluster: CliProcess;
let adminConfig: string;
let serverConfig: string;

function kubectl(kubeconfig: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}
const ok = async (kubeconfig: string, args: string[], input?: string) => {
  const r = await kubectl(kubeconfig, args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const refused = async (kubeconfig: string, args: string[], input?: string) => {
  const r = await kubectl(kubeconfig, args, input);
  assert.notEqual(r.code, 0, `kubectl ${args.join(' ')} should have been refused: ${r.stdout}`);
  assert.match(r.stderr, /forbidden/i, `kubectl ${args.join(' ')} failed for another reason`);
  return r.stderr;
};
const yamlDocs = (objects: unknown[]) => objects.map((o) => stringifyYaml(o)).join('---\n');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-manifests-'));
  adminConfig = join(dir, 'admin.kubeconfig');
  cluster = await startCli(['sandbox', '--port', '0', '--kubeconfig', adminConfig], /sandbox ready at (https:\/\/\S+)/);
});
after(async () => {
  if (cluster) await stopCli(cluster.child);
  rmSync(dir, { recursive: true, force: true });
});

/** A field of a rendered manifest by dotted path (array indexes as numbers), or undefined. */
const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);
const listAt = (o: unknown, path: string): unknown[] => (Array.isArray(at(o, path)) ? (at(o, path) as unknown[]) : []);

test('the rendered manifests keep their promises: replicas, probes on real routes, hardened pods, the Secret by reference', async () => {
  const rendered = parseAllDocuments(await ok(adminConfig, ['kustomize', DEPLOY_DIR])).map((d) => d.toJS() as unknown);
  const of = (kind: string) => rendered.find((o) => at(o, 'kind') === kind);
  const deployment = of('Deployment');
  const pod = at(deployment, 'spec.template.spec');
  const server = at(pod, 'containers.0');
  assert.ok(Number(at(deployment, 'spec.replicas')) >= 2, 'several replicas');
  assert.match(String(at(server, 'image')), /^[^:@]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, 'the image names a tag or digest');
  assert.doesNotMatch(String(at(server, 'image')), /:latest$/, 'never :latest on a cluster');
  // Probes on the server's own health routes (openapi/playground.yaml is the route table).
  const spec = readFileSync(fileURLToPath(new URL('../../openapi/playground.yaml', import.meta.url)), 'utf8');
  assert.equal(at(server, 'readinessProbe.httpGet.path'), '/readyz');
  assert.equal(at(server, 'livenessProbe.httpGet.path'), '/healthz');
  for (const route of ['/readyz', '/healthz']) assert.match(spec, new RegExp(`^  ${route}:$`, 'm'));
  // Hardened as Pod Security "restricted" asks, and more.
  assert.equal(at(pod, 'securityContext.runAsNonRoot'), true);
  assert.equal(at(pod, 'securityContext.seccompProfile.type'), 'RuntimeDefault');
  assert.equal(at(server, 'securityContext.allowPrivilegeEscalation'), false);
  assert.equal(at(server, 'securityContext.readOnlyRootFilesystem'), true);
  assert.deepEqual(at(server, 'securityContext.capabilities.drop'), ['ALL']);
  for (const r of ['requests.cpu', 'requests.memory', 'limits.memory']) assert.ok(at(server, `resources.${r}`), `resources.${r} is set`);
  // The database URL by reference to a Secret the operator creates; no Secret (and no URL) in the manifests.
  const database = listAt(server, 'env').find((e) => at(e, 'name') === 'PLAYGROUND_DATABASE_URL');
  assert.deepEqual(at(database, 'valueFrom.secretKeyRef'), { name: 'playground-database', key: 'url' });
  assert.equal(of('Secret'), undefined);
  assert.doesNotMatch(JSON.stringify(rendered), /postgres(ql)?:\/\//);
  // One set of pod labels, selected alike by the Service, the PDB and the NetworkPolicy.
  const labels = at(deployment, 'spec.selector.matchLabels');
  assert.deepEqual(at(of('Service'), 'spec.selector'), labels);
  assert.deepEqual(at(of('PodDisruptionBudget'), 'spec.selector.matchLabels'), labels);
  assert.equal(at(of('PodDisruptionBudget'), 'apiVersion'), 'policy/v1');
  assert.equal(at(of('PodDisruptionBudget'), 'spec.minAvailable'), 1);
  assert.deepEqual(at(of('NetworkPolicy'), 'spec.podSelector.matchLabels'), labels);
  assert.deepEqual(at(of('NetworkPolicy'), 'spec.policyTypes'), ['Ingress', 'Egress']);
  // The pods run as the ServiceAccount the ClusterRoleBinding binds, and the names its rules narrow to are the code's.
  assert.equal(at(pod, 'serviceAccountName'), 'playground-server');
  assert.deepEqual(at(of('ClusterRoleBinding'), 'subjects'), [{ kind: 'ServiceAccount', name: 'playground-server', namespace: SERVER_NS }]);
  const rules = listAt(of('ClusterRole'), 'rules');
  assert.deepEqual(at(rules.find((r) => listAt(r, 'resources').includes('serviceaccounts/token')), 'resourceNames'), [LEARNER_SERVICE_ACCOUNT]);
  assert.deepEqual(at(rules.find((r) => listAt(r, 'verbs').includes('escalate')), 'resourceNames'), [LEARNER_ROLE]);
  for (const r of rules) for (const field of ['verbs', 'resources', 'apiGroups']) assert.ok(!listAt(r, field).includes('*'), `no wildcard ${field}`);
});

test('kubectl apply --server-side -k deploy/ creates every object kustomize renders', { timeout: 120_000 }, async () => {
  const rendered = parseAllDocuments(await ok(adminConfig, ['kustomize', DEPLOY_DIR])).map((d) => d.toJS() as Manifest);
  // What a hosted deployment needs, and no Secret: the database URL is created by the operator, never committed.
  assert.deepEqual(rendered.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
  const applied = await ok(adminConfig, ['apply', '--server-side', '-k', DEPLOY_DIR]);
  for (const o of rendered) {
    const resource = `${o.kind.toLowerCase()}${o.apiVersion.includes('/') && !o.apiVersion.startsWith('v1') ? `.${o.apiVersion.split('/')[0]}` : ''}`;
    assert.match(applied, new RegExp(`^${resource.replace(/\./g, '\\.')}/${o.metadata.name} serverside-applied$`, 'm'));
    const args = ['get', `${resource}/${o.metadata.name}`, '-o', 'jsonpath={.metadata.uid}'];
    if (o.metadata.namespace) args.push('-n', o.metadata.namespace);
    assert.match(await ok(adminConfig, args), /^[0-9a-f-]{36}$/, `${o.kind} ${o.metadata.name} exists`);
  }
  // The cluster's own reading of the availability objects.
  assert.match(await ok(adminConfig, ['get', 'pdb', '-n', SERVER_NS]), /^playground-server\s+1\s+N\/A\s+0\s+\S+$/m);
  assert.equal(await ok(adminConfig, ['get', 'deployment', 'playground-server', '-n', SERVER_NS, '-o', 'jsonpath={.spec.replicas}']), '2');
  // Applying again changes nothing and conflicts with nothing (an operator re-applies on every release).
  assert.match(await ok(adminConfig, ['apply', '--server-side', '-k', DEPLOY_DIR]), /deployment\.apps\/playground-server serverside-applied/);

  // The server's kubeconfig: the same cluster, the ServiceAccount's token from the TokenRequest API, nothing else.
  const token = (await ok(adminConfig, ['create', 'token', 'playground-server', '-n', SERVER_NS, '--duration=1h'])).trim();
  const config = parseYaml(readFileSync(adminConfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  config.users[0].user = { token };
  serverConfig = join(dir, 'server.kubeconfig');
  writeFileSync(serverConfig, stringifyYaml(config), { mode: 0o600 });
  assert.match(await ok(serverConfig, ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']), /^system:serviceaccount:mesh-playground:playground-server$/);
});

test('as the server\'s ServiceAccount: everything session provisioning does is allowed', { timeout: 120_000 }, async () => {
  assert.ok(serverConfig, 'the deploy test ran first');
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SESSION_NS, labels: { ...NAMESPACE_LABELS, 'playground.mesh.dev/session': 'deploytest' } } };
  assert.match(await ok(serverConfig, ['create', '-f', '-'], stringifyYaml(namespace)), /namespace\/pg-deploytest created/);
  assert.match(await ok(serverConfig, ['get', 'namespace', SESSION_NS, '-o', 'name']), /^namespace\/pg-deploytest$/m);
  assert.match(await ok(serverConfig, ['create', 'serviceaccount', LEARNER_SERVICE_ACCOUNT, '-n', SESSION_NS]), /serviceaccount\/learner created/);
  // The very objects tenancy.ts makes, server-side applied as the server applies them (new: patch + create).
  const tenancy = yamlDocs(tenancyObjects(SESSION_NS, LEARNER_SERVICE_ACCOUNT));
  const applied = await ok(serverConfig, ['apply', '--server-side', '--field-manager=mesh-playground', '--force-conflicts', '-f', '-'], tenancy);
  for (const line of ['role.rbac.authorization.k8s.io/playground-learner', 'rolebinding.rbac.authorization.k8s.io/playground-learner', 'resourcequota/playground-quota', 'limitrange/playground-limits', 'networkpolicy.networking.k8s.io/playground-same-namespace'])
    assert.match(applied, new RegExp(`^${line.replace(/\./g, '\\.')} serverside-applied$`, 'm'));
  // Re-applied on resume (an update this time).
  await ok(serverConfig, ['apply', '--server-side', '--field-manager=mesh-playground', '--force-conflicts', '-f', '-'], tenancy);
  const learnerToken = (await ok(serverConfig, ['create', 'token', LEARNER_SERVICE_ACCOUNT, '-n', SESSION_NS, '--duration=10m'])).trim();
  // The learner's token works, within the Role the server wrote (and not beyond it).
  const learner = join(dir, 'learner.kubeconfig');
  const config = parseYaml(readFileSync(serverConfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  config.users[0].user = { token: learnerToken };
  writeFileSync(learner, stringifyYaml(config), { mode: 0o600 });
  assert.match(await ok(learner, ['create', 'configmap', 'lesson', '-n', SESSION_NS, '--from-literal=step=1']), /configmap\/lesson created/);
  await refused(learner, ['get', 'configmaps', '-n', SERVER_NS]);
});

test('as the server\'s ServiceAccount: what it must never do is Forbidden', { timeout: 120_000 }, async () => {
  assert.ok(serverConfig, 'the deploy test ran first');
  const node = (await ok(adminConfig, ['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  // Secrets: not its own namespace's (the database URL), not anyone's.
  await refused(serverConfig, ['get', 'secrets', '-n', SERVER_NS]);
  await refused(serverConfig, ['get', 'secrets', '-A']);
  // Cluster-wide grants, its own ClusterRole, nodes.
  await refused(serverConfig, ['create', 'clusterrolebinding', 'takeover', '--clusterrole=cluster-admin', `--serviceaccount=${SERVER_NS}:playground-server`]);
  await refused(serverConfig, ['patch', 'clusterrole', 'mesh-playground-server', '--type=json', '-p', '[{"op":"add","path":"/rules/-","value":{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}}]']);
  await refused(serverConfig, ['delete', 'node', node]);
  // Escalation and binding only for the learner's Role: a Role of another name, or binding cluster-admin, is refused.
  const otherRole = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-secrets', namespace: SESSION_NS }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }] };
  await refused(serverConfig, ['apply', '--server-side', '--field-manager=mesh-playground', '-f', '-'], stringifyYaml(otherRole));
  await refused(serverConfig, ['create', 'rolebinding', 'admin-here', '-n', SESSION_NS, '--clusterrole=cluster-admin', `--serviceaccount=${SESSION_NS}:learner`]);
  // Tokens only for `learner`: not for itself, not for kube-system's accounts.
  await refused(serverConfig, ['create', 'token', 'playground-server', '-n', SERVER_NS]);
  await refused(serverConfig, ['create', 'token', 'default', '-n', 'kube-system']);
  // It never touches workloads or lists tenants: the learner's token does that.
  await refused(serverConfig, ['get', 'pods', '-A']);
  await refused(serverConfig, ['run', 'shell', '-n', SESSION_NS, '--image=playground/curl']);
  await refused(serverConfig, ['get', 'namespaces']);
  // And it may end a session: the namespace goes.
  assert.match(await ok(serverConfig, ['delete', 'namespace', SESSION_NS, '--wait=false']), /namespace "pg-deploytest" deleted/);
});

test('a playground server running as that ServiceAccount creates and ends a real session', { timeout: 240_000 }, async (t) => {
  assert.ok(serverConfig, 'the deploy test ran first');
  // `up` serves the built site too (npm run build); it starts no sandbox of its own with --kubeconfig.
  const up = await startCli(['up', '--port', '0', '--kubeconfig', serverConfig, '--data-dir', join(dir, 'data')], /is up at (http:\/\/\S+)/, {
    env: { PATH: process.env.PATH, HOME: dir },
  });
  t.after(() => stopCli(up.child));
  const res = await fetch(`${up.match[1]}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apps: ['httpbin'] }) });
  assert.equal(res.status, 201, await res.clone().text());
  const { session, token } = (await res.json()) as { session: { namespace: string }; token: string };
  // The session's namespace, tenancy objects and running workload, as the cluster's admin sees them.
  assert.match(await ok(adminConfig, ['get', 'pods', '-n', session.namespace]), /^httpbin-\S+\s+2\/2\s+Running/m);
  const names = (await ok(adminConfig, ['get', 'roles,rolebindings,resourcequotas,limitranges,networkpolicies', '-n', session.namespace, '-o', 'name'])).trim().split('\n').sort();
  assert.deepEqual(names, [
    'limitrange/playground-limits',
    'networkpolicy.networking.k8s.io/playground-same-namespace',
    'resourcequota/playground-quota',
    'role.rbac.authorization.k8s.io/playground-learner',
    'rolebinding.rbac.authorization.k8s.io/playground-learner',
  ]);
  const ended = await fetch(`${up.match[1]}/api/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(ended.status, 200, await ended.clone().text());
  const phase = await ok(adminConfig, ['get', 'namespace', session.namespace, '-o', 'jsonpath={.status.phase}', '--ignore-not-found']);
  assert.ok(phase === 'Terminating' || phase === '', `the session namespace is going (phase ${JSON.stringify(phase)})`);
});
