// A gRPC benchmark through the API and the mesh: Istio's fortio sample (samples/httpbin/sample-client/fortio-deploy.yaml,
// vendored unchanged) applied in a session with a Service for its `grpc-ping` container port, then `startBenchmark`
// with `protocol: grpc` from the meshed generator pod: the health check of fortio's gRPC server (the default method)
// and fortio's own fgrpc.PingServer/Ping both complete with successes, and the fortio JSON export names them as
// fortio's gRPC runner does — RunType "GRPC Health for ''" / "GRPC Ping PayloadLength=3", RetCodes {SERVING: n}.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createSession, rest, startFixture, WsClient, type ServerFixture } from './fixture.js';

const FORTIO_DEPLOY = readFileSync(new URL('../fixtures/upstream/istio/fortio-deploy.yaml', import.meta.url), 'utf8');
/** The upstream Service exposes only 8080; this one exposes the container's `grpc-ping` port (a `grpc-*` name: HTTP/2). */
const FORTIO_GRPC_SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: fortio-grpc
spec:
  selector:
    app: fortio
  ports:
  - port: 8079
    name: grpc-ping
    targetPort: grpc-ping
`;

let fx: ServerFixture;
let s: { token: string; namespace: string };
let ws: WsClient;

function kubectl(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/kubectl', ['--kubeconfig', fx.kubeconfig, '--cache-dir', `${fx.dir}/kubectl-cache`, '-n', s.namespace, ...args], { timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: fx.dir } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  fx = await startFixture();
  s = await createSession(fx.url, ['httpbin']);
  ws = await WsClient.connect(fx.url, { token: s.token });
  const applied = await ws.call('applyResources', { manifest: `${FORTIO_DEPLOY}---\n${FORTIO_GRPC_SERVICE}` });
  assert.equal(applied.error, undefined, JSON.stringify(applied.error));
  const ready = await kubectl(['wait', '--for=condition=Ready', 'pod', '-l', 'app=fortio', '--timeout=45s'], 50_000);
  assert.equal(ready.code, 0, ready.stderr);
});

after(async () => {
  await ws?.close();
  await fx?.close();
});

/** One short gRPC run against fortio's gRPC Service; returns the benchmark and its fortio JSON export. */
async function grpcRun(extra: Record<string, unknown>) {
  const answer = await ws.call('startBenchmark', { url: 'http://fortio-grpc:8079/', protocol: 'grpc', connections: 1, rps: 20, durationSeconds: 1, ...extra }, { timeoutMs: 60_000 });
  assert.equal(answer.error, undefined, JSON.stringify(answer.error));
  const bench = answer.result;
  assert.equal(bench.status, 'completed', bench.error);
  const exported = await rest(fx.url, 'GET', `/api/session/benchmarks/${bench.id}/export?format=fortio`, { token: s.token });
  assert.equal(exported.status, 200, exported.text);
  return { bench, fortio: exported.body.document as { RunType: string; RetCodes: Record<string, number>; DurationHistogram: { Count: number }; NumThreads: number } };
}

/** Our fortio export imported back: a gRPC run with fortio's counts, its method and streams from the document. */
async function importBack(fortio: unknown) {
  const res = await rest(fx.url, 'POST', '/api/session/benchmarks/import', { token: s.token, body: { format: 'fortio', document: fortio } });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

test("protocol grpc, default method: fortio's health server answers SERVING through the sidecars; fortio JSON says GRPC Health for ''", { timeout: 90_000 }, async () => {
  const { bench, fortio } = await grpcRun({});
  assert.equal(bench.protocol, 'grpc');
  assert.equal(bench.grpcMethod, '/grpc.health.v1.Health/Check');
  assert.ok(bench.summary.requests > 0, JSON.stringify(bench.summary));
  // Every call SERVING (the recorder's 200 for an OK call with a SERVING answer): no error of any kind.
  assert.deepEqual(bench.summary.statusCodes, { '200': bench.summary.requests }, JSON.stringify(bench.summary));
  assert.equal(fortio.RunType, "GRPC Health for ''");
  assert.deepEqual(fortio.RetCodes, { SERVING: bench.summary.requests });
  assert.equal(fortio.DurationHistogram.Count, bench.summary.requests);
  assert.deepEqual(bench.summary.errorsByClass, { SERVING: bench.summary.requests }, 'a gRPC run is classed by what a gRPC user reads');
  const back = await importBack(fortio);
  assert.deepEqual([back.protocol, back.grpcMethod, back.streams, back.connections], ['grpc', '/grpc.health.v1.Health/Check', 1, 1]);
  assert.deepEqual([back.summary.requests, back.summary.errors, back.summary.successRate], [bench.summary.requests, 0, 1]);
  assert.deepEqual(back.summary.errorsByClass, bench.summary.errorsByClass);
});

test('protocol grpc, fgrpc.PingServer/Ping with a payload: every ping answered OK; fortio JSON says GRPC Ping PayloadLength=3', { timeout: 90_000 }, async () => {
  // PingMessage{payload: "abc"} (fortio's ping.proto field 3), as base64.
  const body = Buffer.from([0x1a, 0x03, 0x61, 0x62, 0x63]).toString('base64');
  const { bench, fortio } = await grpcRun({ grpcMethod: '/fgrpc.PingServer/Ping', body, streams: 2 });
  assert.equal(bench.grpcMethod, '/fgrpc.PingServer/Ping');
  assert.ok(bench.summary.requests > 0, JSON.stringify(bench.summary));
  assert.deepEqual(bench.summary.statusCodes, { '200': bench.summary.requests }, JSON.stringify(bench.summary));
  assert.equal(fortio.RunType, 'GRPC Ping PayloadLength=3');
  // fortio's runner counts an OK ping as SERVING (GRPCRunnerResults.Run), and a thread per stream.
  assert.deepEqual(fortio.RetCodes, { SERVING: bench.summary.requests });
  assert.equal(fortio.NumThreads, 2);
  assert.deepEqual(bench.summary.errorsByClass, { OK: bench.summary.requests });
  const back = await importBack(fortio);
  assert.deepEqual([back.protocol, back.grpcMethod, back.streams, back.connections], ['grpc', '/fgrpc.PingServer/Ping', 2, 1]);
  assert.deepEqual(back.summary.errorsByClass, { OK: bench.summary.requests }, 'an OK ping is OK, not SERVING, on both sides');
});

test('protocol grpc, an unknown method: every call an error, counted ERROR as fortio counts failed calls', { timeout: 90_000 }, async () => {
  const { bench, fortio } = await grpcRun({ grpcMethod: '/fortio.PingServer/Ping' });
  assert.ok(bench.summary.requests > 0, JSON.stringify(bench.summary));
  // 1012: the recorder's pseudo-status for grpc-status 12 (UNIMPLEMENTED).
  assert.deepEqual(bench.summary.statusCodes, { '1012': bench.summary.requests }, JSON.stringify(bench.summary));
  assert.equal(fortio.RunType, 'Custom GRPC Method /fortio.PingServer/Ping and Payload ');
  assert.deepEqual(fortio.RetCodes, { ERROR: bench.summary.requests });
  const n = bench.summary.requests;
  assert.deepEqual(bench.summary.errorsByClass, { UNIMPLEMENTED: n }, 'the error class is the gRPC status name, not "other"');
  // The playground export carries the wire warning the page shows, and the same classes.
  const doc = (await rest(fx.url, 'GET', `/api/session/benchmarks/${bench.id}/export?format=playground`, { token: s.token })).body.document;
  assert.ok(doc.playground.warnings.includes(`gRPC calls failed with UNIMPLEMENTED ×${n} (/fortio.PingServer/Ping)`), JSON.stringify(doc.playground.warnings));
  assert.deepEqual(bench.summary.warnings.filter((w: string) => /^gRPC calls failed/.test(w)), doc.playground.warnings.filter((w: string) => /^gRPC calls failed/.test(w)));
  assert.deepEqual(doc.playground.outcome.byClass, { UNIMPLEMENTED: n });
  // Imported back from fortio's JSON: every call an error, classed ERROR (fortio does not keep the status).
  const back = await importBack(fortio);
  assert.deepEqual([back.protocol, back.grpcMethod], ['grpc', '/fortio.PingServer/Ping']);
  assert.deepEqual([back.summary.requests, back.summary.errors, back.summary.successRate, back.summary.errorsByClass], [n, n, 0, { ERROR: n }]);
  assert.ok(back.summary.warnings.some((w: string) => /counts every failed call as ERROR/.test(w)), JSON.stringify(back.summary.warnings));
});
