// The sandbox-only mTLS opt-out `mesh.playground.dev/mtls: disabled` (namespace or pod; the pod's wins):
// client sidecars talk plaintext to such a destination's sidecar, and policy that requires mTLS still refuses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MeshHarness, whoami, type TestPod } from './harness.js';
import type { TapEvent } from '../../sandbox/mesh/tap.js';

const OPT_OUT = { 'mesh.playground.dev/mtls': 'disabled' };

let h: MeshHarness;
let client: TestPod;
let plainClient: TestPod;

before(async () => {
  h = await MeshHarness.start();
  h.namespace('lab', {}, OPT_OUT);
  h.service('echo', 9080, { app: 'echo' }, 'lab');
  h.service('strict', 9080, { app: 'strict' }, 'lab');
  h.service('opted-in', 9080, { app: 'opted-in' }, 'lab');
  h.service('pod-opt-out', 9080, { app: 'pod-opt-out' });
  h.service('default-echo', 9080, { app: 'default-echo' });
  await h.pod({ namespace: 'lab', name: 'echo-1', app: 'echo', port: 9080, handler: whoami('echo-1') });
  await h.pod({ namespace: 'lab', name: 'strict-1', app: 'strict', port: 9080, handler: whoami('strict-1'), annotations: { 'config.linkerd.io/default-inbound-policy': 'all-authenticated' } });
  await h.pod({ namespace: 'lab', name: 'opted-in-1', app: 'opted-in', port: 9080, handler: whoami('opted-in-1'), annotations: { 'mesh.playground.dev/mtls': 'enabled' } });
  await h.pod({ name: 'pod-opt-out-1', app: 'pod-opt-out', port: 9080, handler: whoami('pod-opt-out-1'), annotations: OPT_OUT });
  await h.pod({ name: 'default-echo-1', app: 'default-echo', port: 9080, handler: whoami('default-echo-1') });
  client = await h.pod({ name: 'client-1', app: 'client', port: 8081 });
  plainClient = await h.pod({ namespace: 'lab', name: 'client-2', app: 'client', port: 8081 });
});

after(async () => {
  await h.stop();
});

async function sendAndTap(from: TestPod, host: string): Promise<{ status: number; clientId: unknown; tls: boolean; error: string | undefined }> {
  const [service] = host.split(':');
  const tap = h.cp.tap.subscribe({ direction: 'outbound', toService: service.split('.')[0] }, { bufferSize: 10 });
  try {
    const r = await h.send(from, host, '/');
    const { value } = (await tap[Symbol.asyncIterator]().next()) as { value: TapEvent };
    const clientId = r.status === 200 ? (JSON.parse(r.body) as { headers: Record<string, unknown> }).headers['l5d-client-id'] : undefined;
    return { status: r.status, clientId, tls: value.tls, error: r.headers['l5d-proxy-error'] as string | undefined };
  } finally {
    tap.close();
  }
}

test('a namespace opted out of mTLS is reached in plaintext through both sidecars', async () => {
  const tlsBefore = h.pods.get('lab/echo-1')!.sidecar!.metrics.tcp.inbound.tls.total;
  const plainBefore = h.pods.get('lab/echo-1')!.sidecar!.metrics.tcp.inbound.plain.total;
  const r = await sendAndTap(client, 'echo.lab:9080');
  assert.equal(r.status, 200);
  assert.equal(r.tls, false, 'the tap shows the hop was plaintext');
  assert.equal(r.clientId, undefined, 'no verified identity without mTLS');
  const echo = h.pods.get('lab/echo-1')!.sidecar!.metrics;
  assert.equal(echo.tcp.inbound.tls.total, tlsBefore, 'no TLS connection reached the opted-out sidecar');
  assert.ok(echo.tcp.inbound.plain.total > plainBefore, 'the request came in over a plaintext connection to its sidecar');
  assert.match(echo.exposition(), /direction="inbound"[^\n]*tls="no_identity"/);
});

test('the pod annotation wins: enabled inside an opted-out namespace keeps mTLS, disabled on one pod drops it', async () => {
  const optedIn = await sendAndTap(plainClient, 'opted-in:9080');
  assert.equal(optedIn.status, 200);
  assert.equal(optedIn.tls, true);
  assert.equal(optedIn.clientId, 'spiffe://cluster.local/ns/lab/sa/client');

  const podOptOut = await sendAndTap(client, 'pod-opt-out:9080');
  assert.equal(podOptOut.status, 200);
  assert.equal(podOptOut.tls, false);

  const untouched = await sendAndTap(client, 'default-echo:9080');
  assert.equal(untouched.status, 200);
  assert.equal(untouched.tls, true, 'pods without the annotation keep mTLS');
  assert.equal(untouched.clientId, 'spiffe://cluster.local/ns/default/sa/client');
});

test('policy that requires mTLS still refuses the plaintext hop', async () => {
  const r = await sendAndTap(client, 'strict.lab:9080');
  assert.equal(r.status, 403);
  assert.equal(r.error, 'unauthorized request on route'); // all-authenticated: linkerd2-proxy's HttpRouteUnauthorized
});

test('an invalid value is reported as a problem and ignored (mTLS stays on)', async () => {
  h.service('typo', 9080, { app: 'typo' });
  await h.pod({ name: 'typo-1', app: 'typo', port: 9080, handler: whoami('typo-1'), annotations: { 'mesh.playground.dev/mtls': 'off' } });
  const r = await sendAndTap(client, 'typo:9080');
  assert.equal(r.status, 200);
  assert.equal(r.tls, true);
  assert.match((h.cp.problems.get('default') ?? []).join('\n'), /pod default\/typo-1: annotation mesh\.playground\.dev\/mtls must be "enabled" or "disabled" \(got "off"\)/);
});
