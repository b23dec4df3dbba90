// `kubectl debug` against the sandbox with the real kubectl: an ephemeral container added to a running pod
// (status, describe, events, exec into it, `debug -i` attached with piped stdin), the ephemeralcontainers
// subresource's rules (existing ones may not change or go, no ports), RBAC on pods/ephemeralcontainers (a
// ServiceAccount without the verb gets 403, one with the learner Role may), `--copy-to`, and `debug node/…`
// refused because the sandbox has no host to give.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';
import { LEARNER_RULES } from '../../playground-server/sessions/tenancy.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { kubectlOk, kubectlRefused, startCluster, waitFor, type ClusterFixture } from './fixture.js';

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { token: string } }[];
}

/** A request as the kubeconfig's user, for the writes kubectl has no command for (PUT/PATCH of a subresource). */
function apiRequest(kubeconfig: string, method: string, path: string, contentType: string, body: string): Promise<{ status: number; body: string }> {
  const config = parse(readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
  const { server, 'certificate-authority-data': ca } = config.clusters[0].cluster;
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server), { method, ca: Buffer.from(ca, 'base64'), headers: { Authorization: `Bearer ${config.users[0].user.token}`, 'Content-Type': contentType }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('kubectl debug', () => {
  let c: ClusterFixture;
  const pod = (name: string) => c.pods('default', (p) => p.metadata.name === name)[0] as Pod | undefined;
  const ephemeralState = (name: string, container: string) => pod(name)?.status?.ephemeralContainerStatuses?.find((s) => s.name === container)?.state;

  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['run', 'web', '--image=busybox', '--restart=Never', '--', 'sleep', '3600']);
    await waitFor('web running', () => pod('web')?.status?.phase === 'Running', { timeoutMs: 30_000 });
  });
  after(async () => {
    await c?.close();
  });

  test('an ephemeral container is added, runs, shows in get/describe/events, and takes exec', async () => {
    const r = await c.kubectl(['debug', 'web', '--image=busybox', '-c', 'dbg', '--target=web', '--', 'sleep', '3600']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('dbg running', () => ephemeralState('web', 'dbg')?.running, { timeoutMs: 30_000 });
    const state = await kubectlOk(c, ['get', 'pod', 'web', '-o', 'jsonpath={.status.ephemeralContainerStatuses[0].state}']);
    assert.match(state, /^\{"running":\{"startedAt":"[^"]+"\}\}$/);
    const spec = await kubectlOk(c, ['get', 'pod', 'web', '-o', 'jsonpath={.spec.ephemeralContainers[0].targetContainerName} {.spec.ephemeralContainers[0].image}']);
    assert.equal(spec, 'web busybox');

    const described = await kubectlOk(c, ['describe', 'pod', 'web']);
    assert.match(described, /Ephemeral Containers:\n\s+dbg:\n/);
    assert.match(described, /Image:\s+busybox\n/);
    assert.match(described, /State:\s+Running/);
    // The kubelet's events for it, with the field path kubectl shows.
    assert.match(described, /Normal\s+Created\s+\S+\s+kubelet\s+Created container dbg/);
    assert.match(described, /Normal\s+Started\s+\S+\s+kubelet\s+Started container dbg/);
    const events = await kubectlOk(c, ['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.reason} {.involvedObject.fieldPath}{"\\n"}{end}']);
    for (const reason of ['Pulling', 'Created', 'Started']) assert.ok(events.includes(`${reason} spec.ephemeralContainers{dbg}`), events);

    const out = await kubectlOk(c, ['exec', 'web', '-c', 'dbg', '--', 'sh', '-c', 'echo in-debug-container; echo $HOSTNAME']);
    assert.equal(out, 'in-debug-container\nweb\n');
    const raw = JSON.parse(await kubectlOk(c, ['get', '--raw', '/api/v1/namespaces/default/pods/web/ephemeralcontainers'])) as Pod;
    assert.equal(raw.kind, 'Pod');
    assert.equal(raw.spec.ephemeralContainers?.[0]?.name, 'dbg');
  });

  test('kubectl debug -i attaches to the new container: piped stdin reaches its sh', async () => {
    const r = await c.kubectl(['debug', '-i', 'web', '--image=busybox', '-c', 'dbg2', '--', 'sh'], { input: 'echo from-debug\nexit\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /from-debug\n/);
    // kubectl debug does not set stdinOnce (as upstream): sh ends with its `exit`, the container terminated
    // and is never restarted.
    await waitFor('dbg2 terminated', () => ephemeralState('web', 'dbg2')?.terminated, { timeoutMs: 15_000 });
    const statuses = await kubectlOk(c, ['get', 'pod', 'web', '-o', 'jsonpath={range .status.ephemeralContainerStatuses[*]}{.name}={.restartCount} {end}']);
    assert.match(statuses, /dbg2=0/);
  });

  test('existing ephemeral containers may not be changed or removed, and may not declare ports', async () => {
    await waitFor('dbg running', () => ephemeralState('web', 'dbg')?.running, { timeoutMs: 30_000 });
    const path = '/api/v1/namespaces/default/pods/web/ephemeralcontainers';
    const current = JSON.parse(await kubectlOk(c, ['get', '--raw', path])) as Pod;

    const put = async (doc: Pod) => {
      const r = await apiRequest(c.kubeconfig, 'PUT', path, 'application/json', JSON.stringify(doc));
      assert.equal(r.status, 422, r.body);
      return (JSON.parse(r.body) as { message: string }).message;
    };
    const changed = structuredClone(current);
    changed.spec.ephemeralContainers![0].image = 'alpine';
    assert.match(await put(changed), /^Pod "web" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n/);

    const removed = structuredClone(current);
    removed.spec.ephemeralContainers = removed.spec.ephemeralContainers!.filter((e) => e.name !== 'dbg');
    assert.match(await put(removed), /^Pod "web" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed\n/);

    const withPorts = structuredClone(current);
    withPorts.spec.ephemeralContainers!.push({ name: 'dbg-ports', image: 'busybox', ports: [{ containerPort: 80 }] });
    assert.match(await put(withPorts), /spec\.ephemeralContainers\[\d+\]\.ports: Forbidden: cannot be set for an Ephemeral Container/);

    // The same rules for a JSON patch of the subresource.
    const patched = await apiRequest(c.kubeconfig, 'PATCH', path, 'application/json-patch+json', JSON.stringify([{ op: 'replace', path: '/spec/ephemeralContainers/0/command', value: ['sleep', '1'] }]));
    assert.equal(patched.status, 422, patched.body);
    assert.match((JSON.parse(patched.body) as { message: string }).message, /^Pod "web" is invalid: spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n/);

    let err: string;
    err = await kubectlRefused(c, ['debug', 'web', '--image=busybox', '-c', 'web', '--', 'sleep', '1']);
    assert.match(err, /spec\.ephemeralContainers\[\d+\]\.name: Duplicate value: "web"/);

    // A plain pod update cannot slip an ephemeral container in either, and a new pod cannot bring one.
    err = await kubectlRefused(c, ['create', '-f', c.file('new.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'eph' }, spec: { containers: [{ name: 'a', image: 'busybox' }], ephemeralContainers: [{ name: 'e', image: 'busybox' }] } }))]);
    assert.match(err, /spec\.ephemeralContainers: Forbidden: cannot be set on create/);
    assert.equal(pod('web')?.spec.ephemeralContainers?.[0]?.image, 'busybox');
  });

  test('RBAC: patching pods/ephemeralcontainers needs its own verb; the learner Role has it', async () => {
    const basic = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }];
    for (const [sa, rules] of [['no-debug', basic], ['learner', LEARNER_RULES]] as const) {
      await kubectlOk(c, ['create', 'serviceaccount', sa]);
      const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: sa }, rules };
      await kubectlOk(c, ['apply', '-f', c.file(`${sa}-role.json`, JSON.stringify(role))]);
      await kubectlOk(c, ['create', 'rolebinding', sa, `--role=${sa}`, `--serviceaccount=default:${sa}`]);
    }
    const token = async (sa: string) => (await kubectlOk(c, ['create', 'token', sa])).trim();

    const denied = await c.kubectl(['--token', await token('no-debug'), 'debug', 'web', '--image=busybox', '-c', 'dbg3', '--', 'sleep', '60']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /pods "web" is forbidden: User "system:serviceaccount:default:no-debug" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "default"/);
    assert.equal(pod('web')?.spec.ephemeralContainers?.some((e) => e.name === 'dbg3'), false);

    const allowed = await c.kubectl(['--token', await token('learner'), 'debug', 'web', '--image=busybox', '-c', 'dbg4', '--', 'sleep', '60']);
    assert.equal(allowed.code, 0, allowed.stderr);
    await waitFor('dbg4 running', () => ephemeralState('web', 'dbg4')?.running, { timeoutMs: 30_000 });
  });

  test('--copy-to makes a copy of the pod with the debug container', async () => {
    await kubectlOk(c, ['debug', 'web', '--copy-to=web-copy', '--image=busybox', '--share-processes', '-c', 'dbgc', '--', 'sleep', '3600']);
    await waitFor('web-copy running', () => pod('web-copy')?.status?.containerStatuses?.every((s) => s.state.running), { timeoutMs: 30_000 });
    const copy = pod('web-copy')!;
    assert.deepEqual(copy.spec.containers.map((x) => x.name), ['web', 'dbgc']);
    assert.equal(copy.spec.shareProcessNamespace, true);
    assert.equal(copy.spec.ephemeralContainers, undefined);
    assert.equal(await kubectlOk(c, ['exec', 'web-copy', '-c', 'dbgc', '--', 'echo', 'copied']), 'copied\n');
    // A profile's securityContext travels in kubectl's protobuf body.
    await kubectlOk(c, ['debug', 'web', '--copy-to=web-restricted', '--profile=restricted', '--image=busybox', '-c', 'dbgr', '--', 'sleep', '3600']);
    const sc = await kubectlOk(c, ['get', 'pod', 'web-restricted', '-o', 'jsonpath={.spec.containers[1].securityContext}']);
    assert.deepEqual(JSON.parse(sc), { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('debug node/sandbox is refused: the sandbox has no host, and nothing is created', async () => {
    const before = c.pods('default').length;
    const err = await kubectlRefused(c, ['debug', 'node/sandbox', '--image=busybox', '--', 'sleep', '60']);
    assert.match(err, /pods "node-debugger-sandbox-[a-z0-9]+" is forbidden: the sandbox has no host to share: host namespaces \(hostNetwork=true, hostPID=true, hostIPC=true\), hostPath volumes \("host-root"\) are refused/);
    assert.equal(c.pods('default').length, before);
    assert.equal(c.pods('default', (p) => p.metadata.name.startsWith('node-debugger')).length, 0);
    // The same for a hand-written pod that only asks for a hostPath.
    const hostPath = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'peek' }, spec: { containers: [{ name: 'a', image: 'busybox' }], volumes: [{ name: 'etc', hostPath: { path: '/etc' } }] } };
    const err2 = await kubectlRefused(c, ['create', '-f', c.file('peek.json', JSON.stringify(hostPath))]);
    assert.match(err2, /pods "peek" is forbidden: the sandbox has no host to share: hostPath volumes \("etc"\) are refused/);
    assert.equal(pod('peek'), undefined);
  });
});
