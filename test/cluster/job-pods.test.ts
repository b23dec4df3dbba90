// Pods that run to completion, as Job pods and the playground's load-generator pods do: restartPolicy
// Never / OnFailure end in Succeeded or Failed (kubectl shows Completed / Error), a meshed pod's sidecar
// is stopped once its app has ended (native sidecar semantics) so the pod can complete, the lines a
// container writes while being stopped still reach a follower of its log, and the loadgen image reports
// a bad spec in its log and fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { LOADGEN_IMAGES } from '../../playground-server/loadgen/pod-image.js';
import type { KubeObject } from '../../sandbox/apiserver/store.js';
import { registerImage, unregisterImage } from '../../sandbox/runtime/images.js';
import type { Pod } from '../../sandbox/runtime/kinds.js';
import { SIDECAR_CONTAINER_NAME, SIDECAR_OUTBOUND_PORT } from '../../sandbox/runtime/workload.js';
import { startCluster, waitFor, type ClusterFixture } from './fixture.js';

const NS = 'jobs';
const MESHED_NS = 'jobs-meshed';
/** Exit codes a `test/exits` container uses on its 1st, 2nd, … run (env EXIT_CODES="1,0"), per pod. */
const runsByPod = new Map<string, number>();

function pod(name: string, namespace: string, restartPolicy: string, env: Record<string, string>, image = 'test/exits'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { restartPolicy, containers: [{ name: 'main', image, env: Object.entries(env).map(([n, value]) => ({ name: n, value })) }] },
  };
}

describe('pods that run to completion', () => {
  let c: ClusterFixture;
  const pods = () => c.sandbox.api.type('', 'pods');
  const get = (ns: string, name: string) => c.sandbox.api.tryGet(pods(), ns, name) as Pod | undefined;
  const phaseOf = (ns: string, name: string) => get(ns, name)?.status?.phase;
  const settled = (ns: string, name: string) => waitFor(`${ns}/${name} to finish`, () => (['Succeeded', 'Failed'].includes(phaseOf(ns, name) ?? '') ? get(ns, name) : undefined), { timeoutMs: 20_000 });

  before(async () => {
    registerImage('test/exits', (ctx) => {
      const run = runsByPod.get(ctx.podUid) ?? 0;
      runsByPod.set(ctx.podUid, run + 1);
      const codes = (ctx.env.EXIT_CODES ?? '0').split(',').map(Number);
      const code = codes[Math.min(run, codes.length - 1)];
      return {
        start: async () => {
          ctx.log(`run ${run} exits ${code}`);
          setTimeout(() => ctx.exit(code), 50);
        },
        stop: async () => undefined,
      };
    });
    // Connects to its pod's sidecar (the outbound port on the pod's localhost) the moment it starts, as a load
    // generator's first request does; exits 0 if something listened there, 1 with the error otherwise.
    registerImage('test/dials-at-start', (ctx) => ({
      start: async () => {
        const s = connect({ host: ctx.localHost, port: SIDECAR_OUTBOUND_PORT });
        s.once('connect', () => {
          ctx.log('the sidecar was listening');
          s.destroy();
          ctx.exit(0);
        });
        s.once('error', (err: NodeJS.ErrnoException) => {
          ctx.log(`dial failed: ${err.code ?? err.message}`);
          ctx.exit(1);
        });
      },
      stop: async () => undefined,
    }));
    // Writes a last line while being stopped, as a process does on SIGTERM.
    registerImage('test/graceful', (ctx) => ({
      start: async () => ctx.log('working'),
      stop: async () => {
        await new Promise((r) => setTimeout(r, 50));
        ctx.log('stopped cleanly');
      },
    }));
    c = await startCluster({ images: LOADGEN_IMAGES });
    c.sandbox.api.create(c.sandbox.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    c.sandbox.api.create(c.sandbox.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: MESHED_NS, labels: { 'mesh.playground.dev/inject': 'enabled' } } });
  });
  after(async () => {
    await c?.close();
    unregisterImage('test/exits');
    unregisterImage('test/graceful');
    unregisterImage('test/dials-at-start');
  });

  test('restartPolicy Never: exit 0 is Succeeded (Completed), exit 1 is Failed (Error), neither restarts', async () => {
    c.sandbox.api.create(pods(), pod('ok', NS, 'Never', { EXIT_CODES: '0' }));
    c.sandbox.api.create(pods(), pod('bad', NS, 'Never', { EXIT_CODES: '1' }));
    const ok = await settled(NS, 'ok');
    const bad = await settled(NS, 'bad');
    assert.equal(ok.status?.phase, 'Succeeded');
    assert.equal(bad.status?.phase, 'Failed');
    assert.equal(ok.status?.containerStatuses?.[0].restartCount, 0);
    assert.equal(bad.status?.containerStatuses?.[0].state.terminated?.exitCode, 1);
    const table = await c.kubectl(['get', 'pods', '-n', NS, '--no-headers']);
    assert.match(table.stdout, /^ok\s+0\/1\s+Completed\s+0/m);
    assert.match(table.stdout, /^bad\s+0\/1\s+Error\s+0/m);
    const logs = await c.kubectl(['logs', '-n', NS, 'ok']);
    assert.equal(logs.stdout.trim(), 'run 0 exits 0');
  });

  test('restartPolicy OnFailure: a failed run is restarted, a successful one ends the pod', async () => {
    c.sandbox.api.create(pods(), pod('retry', NS, 'OnFailure', { EXIT_CODES: '1,0' }));
    const p = await settled(NS, 'retry');
    assert.equal(p.status?.phase, 'Succeeded');
    assert.ok((p.status?.containerStatuses?.[0].restartCount ?? 0) >= 1, 'restarted after exit 1');
    assert.equal(p.status?.containerStatuses?.[0].lastState.terminated?.exitCode, 1);
  });

  test('a meshed Never pod completes: its sidecar is stopped once the app has ended', async () => {
    c.sandbox.api.create(pods(), pod('meshed-ok', MESHED_NS, 'Never', { EXIT_CODES: '0' }));
    c.sandbox.api.create(pods(), pod('meshed-bad', MESHED_NS, 'Never', { EXIT_CODES: '2' }));
    const ok = await settled(MESHED_NS, 'meshed-ok');
    const bad = await settled(MESHED_NS, 'meshed-bad');
    assert.equal(ok.status?.phase, 'Succeeded');
    assert.equal(bad.status?.phase, 'Failed');
    const sidecar = ok.status?.containerStatuses?.find((s) => s.name === SIDECAR_CONTAINER_NAME);
    assert.ok(sidecar, 'the pod was meshed');
    assert.ok(sidecar.state.terminated, 'the sidecar was stopped');
  });

  test("a meshed pod's app starts once its sidecar listens: a dial at the app's first moment finds it (Linkerd's proxy-await)", async () => {
    c.sandbox.api.create(pods(), pod('dials-first', MESHED_NS, 'Never', {}, 'test/dials-at-start'));
    const p = await settled(MESHED_NS, 'dials-first');
    const logs = await c.kubectl(['logs', '-n', MESHED_NS, 'dials-first', '-c', 'main']);
    assert.equal(logs.stdout.trim(), 'the sidecar was listening');
    assert.equal(p.status?.phase, 'Succeeded');
  });

  test('a container stopped by deleting its pod still gets its last lines to a log follower', async () => {
    c.sandbox.api.create(pods(), pod('graceful', NS, 'Always', {}, 'test/graceful'));
    await waitFor('graceful running', () => get(NS, 'graceful')?.status?.containerStatuses?.[0].state.running);
    const lines: string[] = [];
    const abort = new AbortController();
    const follow = (async () => {
      for await (const line of c.sandbox.runtime.read(NS, 'graceful', { follow: true }, abort.signal)) lines.push(line);
    })();
    await waitFor('the first line followed', () => lines.includes('working'));
    c.sandbox.api.delete(pods(), NS, 'graceful');
    const ended = await Promise.race([follow.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    abort.abort();
    assert.ok(ended, 'the follow ended when the container stopped');
    assert.deepEqual(lines, ['working', 'stopped cleanly']);
  });

  test('the loadgen image: a bad LOADGEN_SPEC is an error line in its log and a Failed pod', async () => {
    c.sandbox.api.create(pods(), pod('gen-bad', NS, 'Never', { LOADGEN_SPEC: JSON.stringify({ protocol: 'mesh-playground.loadgen/v1', url: 'http://httpbin:8000/', method: 'GET', stride: 2, phase: 5 }) }, 'playground/loadgen:v1'));
    const p = await settled(NS, 'gen-bad');
    assert.equal(p.status?.phase, 'Failed');
    const logs = await c.kubectl(['logs', '-n', NS, 'gen-bad']);
    const line = JSON.parse(logs.stdout.trim().split('\n').at(-1)!) as { type: string; message: string };
    assert.equal(line.type, 'error');
    assert.match(line.message, /generator spec: /);
  });
});
