// The node runtime on its own terms: a meshed pod's wiring (app on the pod's private address, its outbound
// calls redirected to the sidecar, led by the original destination, with the Host header intact), container logs through the LogSource, a
// container waiting for its ConfigMap, and addresses given back when a pod goes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { originalDestinationOf, readPrelude } from '../../sandbox/mesh/proxy/connection-prelude.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { SIDECAR_CONTAINER_NAME, SIDECAR_OUTBOUND_PORT, type WorkloadContext } from '../../sandbox/runtime/workload.js';
import { isReady, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'rt';

/** Contexts handed to the test images, by pod/container. */
const contexts = new Map<string, WorkloadContext>();
const sidecarSaw: { host?: string; path?: string; dialled?: string }[] = [];

function pod(name: string, containers: Record<string, unknown>[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: name } }, spec: { containers } };
}

async function collect(iter: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of iter) out.push(line);
  return out;
}

describe('the pod runtime', () => {
  let c: ClusterFixture;
  const t = (group: string, plural: string) => c.sandbox.api.type(group, plural);
  const podNamed = (name: string) => c.pods(NS, (p) => p.metadata.name === name)[0] as Pod | undefined;

  before(async () => {
    // A stand-in sidecar: answers on the pod IP (inbound) and on localHost:15001 (outbound), recording what it got.
    registerImage('test/fake-sidecar', (ctx) => {
      contexts.set(`${ctx.podName}/${ctx.containerName}`, ctx);
      const outbound = createServer((req, res) => {
        const dialled = originalDestinationOf(req.socket);
        sidecarSaw.push({ host: req.headers.host, path: req.url, dialled: dialled && `${dialled.ip}:${dialled.port}` });
        res.end('via-sidecar');
      });
      const listener = createNetServer((s) => {
        readPrelude(s).then(() => { outbound.emit('connection', s); s.resume(); }, () => s.destroy());
      });
      return {
        // As the real sidecar's listener: the PROXY line first (where the app dialled), then HTTP.
        start: () => new Promise<void>((resolve) => listener.listen(SIDECAR_OUTBOUND_PORT, ctx.localHost, resolve)),
        stop: () => new Promise<void>((resolve) => { outbound.closeAllConnections(); listener.close(() => resolve()); }),
      };
    });
    registerImage('test/chatty', (ctx) => {
      contexts.set(`${ctx.podName}/${ctx.containerName}`, ctx);
      return { start: async () => { for (let i = 0; i < 5; i++) ctx.log(`line ${i} ${ctx.env.GREETING ?? ''}`); }, stop: async () => undefined };
    });
    c = await startCluster({ serveApi: false, mesh: false });
    c.sandbox.api.create(t('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  });
  after(async () => {
    await c?.close();
    unregisterImage('test/fake-sidecar');
    unregisterImage('test/chatty');
  });

  test('a meshed pod: the app binds the private address, its calls go to the sidecar with the original destination and Host', async () => {
    c.sandbox.api.create(t('', 'pods'), pod('meshed', [
      { name: 'app', image: 'test/chatty' },
      { name: SIDECAR_CONTAINER_NAME, image: 'test/fake-sidecar' },
    ]));
    const p = await waitFor('the meshed pod Ready', () => (isReady(podNamed('meshed')!) ? podNamed('meshed') : undefined));
    const app = contexts.get('meshed/app')!;
    const sidecar = contexts.get(`meshed/${SIDECAR_CONTAINER_NAME}`)!;
    assert.equal(app.podIP, p.status?.podIP);
    assert.match(app.localHost, /^127\.3\./);
    assert.equal(app.listenHost, app.localHost, 'the app listens on the pod-private address');
    assert.equal(sidecar.listenHost, p.status?.podIP, 'the sidecar owns the pod IP');

    // Cluster DNS resolves the name first, as in a real pod; the sidecar learns the cluster IP the app dialled.
    const svc = c.sandbox.api.create(t('', 'services'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: NS }, spec: { selector: { app: 'reviews' }, ports: [{ port: 9080 }] } });
    const clusterIP = (svc.spec as { clusterIP: string }).clusterIP;
    const res = await c.sandbox.runtime.requestFrom(NS, 'meshed', { url: 'http://reviews:9080/reviews/0' });
    assert.equal(res.body, 'via-sidecar');
    assert.deepEqual(sidecarSaw.at(-1), { host: 'reviews:9080', path: '/reviews/0', dialled: `${clusterIP}:9080` });
    // A name cluster DNS does not know fails in the pod, as getaddrinfo does, before any sidecar is asked.
    await assert.rejects(c.sandbox.runtime.requestFrom(NS, 'meshed', { url: 'http://nosuch:9080/' }), /ENOTFOUND nosuch/);
  });

  test('logs: tail, timestamps, container choice and the errors kubectl shows', async () => {
    const logs = c.sandbox.runtime;
    const signal = new AbortController().signal;
    const all = await collect(logs.read(NS, 'meshed', { container: 'app' }, signal));
    assert.deepEqual(all, ['line 0 ', 'line 1 ', 'line 2 ', 'line 3 ', 'line 4 ']);
    assert.deepEqual(await collect(logs.read(NS, 'meshed', { container: 'app', tailLines: 2 }, signal)), ['line 3 ', 'line 4 ']);
    const stamped = await collect(logs.read(NS, 'meshed', { container: 'app', tailLines: 1, timestamps: true }, signal));
    assert.match(stamped[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line 4 $/);
    assert.throws(() => logs.read(NS, 'meshed', {}, signal), /a container name must be specified for pod meshed, choose one of: \[app mesh-proxy\]/);
    assert.throws(() => logs.read(NS, 'meshed', { container: 'nope' }, signal), /container nope is not valid for pod meshed/);
    assert.throws(() => logs.read(NS, 'meshed', { container: 'app', previous: true }, signal), /previous terminated container "app" in pod "meshed" not found/);
    assert.throws(() => logs.read(NS, 'missing', {}, signal), /pods "missing" not found/);
  });

  test('a container waits for a missing ConfigMap (CreateContainerConfigError) and starts once it exists', async () => {
    c.sandbox.api.create(t('', 'pods'), pod('configured', [
      { name: 'app', image: 'test/chatty', env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'greetings', key: 'hello' } } }] },
    ]));
    const waiting = await waitFor('CreateContainerConfigError', () => podNamed('configured')?.status?.containerStatuses?.[0]?.state.waiting);
    assert.equal(waiting.reason, 'CreateContainerConfigError');
    assert.equal(waiting.message, 'configmap "greetings" not found');
    c.sandbox.api.create(t('', 'configmaps'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'greetings', namespace: NS }, data: { hello: 'bonjour' } });
    await waitFor('the container running', () => podNamed('configured')?.status?.containerStatuses?.[0]?.state.running);
    const lines = await collect(c.sandbox.runtime.read(NS, 'configured', {}, new AbortController().signal));
    assert.equal(lines[0], 'line 0 bonjour');
  });

  test('a deleted pod stops its containers and gives its addresses back', async () => {
    const before = c.sandbox.runtime.addressesOf(NS, 'configured');
    assert.ok(before);
    c.sandbox.api.delete(t('', 'pods'), NS, 'configured');
    await waitFor('the runtime to forget the pod', () => c.sandbox.runtime.addressesOf(NS, 'configured') === undefined);
    await waitFor('a Killing event', () =>
      c.sandbox.api.list(t('', 'events'), NS).items.some((e) => e.reason === 'Killing' && e.message === 'Stopping container app' && (e.involvedObject as { name: string }).name === 'configured'),
    );
  });
});
