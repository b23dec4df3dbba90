// Mesh overhead report: the same load against a direct target and through a proxy hop that adds work, in
// interleaved rounds; deltas are paired per round against the first configuration and summarised by median
// and spread with a verdict. The HAProxy pair (the real-proxy anchor) forwards through two processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { meshOverheadReport, runInterleaved } from '../../playground-server/loadgen/mesh-overhead.js';
import { summarizeDelta, describeDelta, quantile } from '../../playground-server/loadgen/overhead-stats.js';
import { findHaproxy, startHaproxyPair } from '../../playground-server/loadgen/haproxy-anchor.js';

let target: EchoTarget;
let proxy: http.Server;
let proxyUrl: string;
before(async () => {
  target = await spawnEchoTarget({ mode: 'http' });
  // A "sidecar" stand-in: forwards each request and holds the answer 10 ms, as a slow proxy would.
  const agent = new http.Agent({ keepAlive: true });
  proxy = http.createServer((req, res) => {
    const up = http.request(target.url, { agent, method: req.method }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => setTimeout(() => res.writeHead(upRes.statusCode ?? 502).end(Buffer.concat(chunks)), 10));
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/`;
});
after(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((r) => proxy.close(() => r()));
  await target.close();
});

test('median, quartiles and spread of known deltas, and the verdict', () => {
  const steady = summarizeDelta([0.5, 0.4, 0.6, 0.45, 0.55]);
  assert.equal(steady.median, 0.5);
  assert.equal(steady.min, 0.4);
  assert.equal(steady.max, 0.6);
  assert.ok(Math.abs(steady.spread - 0.2) < 1e-12);
  assert.equal(steady.q1, 0.45);
  assert.equal(steady.q3, 0.55);
  assert.equal(steady.verdict, 'effect', 'every round +, and they disagree by 0.2 < 0.5');
  // The issue's four runs of Δp90 with sidecars+mTLS: −1.2, +2.9, +2.5, +4.9 ms.
  const issue = summarizeDelta([-1.2, 2.9, 2.5, 4.9]);
  assert.equal(issue.median, 2.7);
  assert.equal(issue.verdict, 'spread-exceeds-effect', 'the rounds disagree on the sign');
  assert.equal(summarizeDelta([1, 1.5, 3.2]).verdict, 'spread-exceeds-effect', 'same sign but 2.2 apart around a 1.5 median');
  assert.equal(summarizeDelta([3]).verdict, 'single-round');
  assert.deepEqual(summarizeDelta([3, 1, 2]).values, [3, 1, 2], 'values kept in round order');
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.match(describeDelta(steady, 'ms'), /^\+0\.500 ms \(min \+0\.400 … max \+0\.600, IQR 0\.100, 5 rounds\): effect larger than the spread$/);
  assert.match(describeDelta(issue, 'ms'), /inconclusive$/);
  assert.throws(() => summarizeDelta([]), /no rounds/);
});

test('runInterleaved runs A B A B …, never A A B B', async () => {
  const order: string[] = [];
  const out = await runInterleaved([{ name: 'A' }, { name: 'B' }, { name: 'C' }], 3, async (i, r) => {
    order.push('ABC'[i]);
    return `${'ABC'[i]}${r}`;
  });
  assert.equal(order.join(''), 'ABCABCABC');
  assert.deepEqual(out[2], ['A2', 'B2', 'C2']);
  await assert.rejects(runInterleaved([{ name: 'A' }], 0, async () => 1), /rounds must be an integer from 1 to 50 \(got 0\)/);
  await assert.rejects(runInterleaved([{ name: 'A' }], 51, async () => 1), /rounds must be an integer from 1 to 50/);
});

test('paired Δp50 per round against the direct baseline, summarised over 2 rounds, with CPU and memory', async () => {
  const load = { rps: 200, durationMs: 600, warmupMs: 100, connections: 4 };
  const sample = () => ({ cpu: (process.cpuUsage().user + process.cpuUsage().system) / 1e6, rssBytes: process.memoryUsage().rss });
  const report = await meshOverheadReport(
    [
      { name: 'direct', run: () => runLoadTest({ url: target.url, ...load }) },
      { name: 'sidecar', run: () => runLoadTest({ url: proxyUrl, ...load }), sample },
    ],
    { rounds: 2 },
  );
  assert.equal(report.baseline, 'direct');
  assert.equal(report.latency, 'corrected');
  assert.equal(report.rounds, 2);
  assert.deepEqual(report.rows.map((round) => round.map((r) => `${r.round}:${r.name}`)), [['1:direct', '1:sidecar'], ['2:direct', '2:sidecar']]);
  for (const round of report.rows) {
    assert.equal(round[0].deltaP50Ms, 0);
    assert.ok(round[1].deltaP50Ms >= 7, `the 10 ms hop shows in every round's Δp50: ${round[1].deltaP50Ms}`);
    assert.equal(round[0].cpuMillicores, null, 'no sampler, no CPU figure');
    assert.ok(round[1].cpuMillicores !== null && round[1].cpuMillicores > 0);
    assert.ok(round[1].maxRssBytes !== null && round[1].maxRssBytes > 10 * 2 ** 20);
  }
  const [direct, sidecar] = report.summary;
  assert.deepEqual(direct.deltaP50Ms.values, [0, 0]);
  assert.deepEqual(sidecar.deltaP50Ms.values, report.rows.map((round) => round[1].deltaP50Ms));
  // The verdict follows from the rounds (no timing assertion: a loaded machine may well make them disagree).
  const { min, max, median } = sidecar.deltaP50Ms;
  assert.equal(sidecar.deltaP50Ms.verdict, max - min <= Math.abs(median) ? 'effect' : 'spread-exceeds-effect');
  assert.match(report.text, /medians over 2 rounds/);
  assert.match(report.text, /^sidecar\s+\d+\.\d\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\+\d+\.\d{3} \[\+[\d.]+…\+[\d.]+\] (effect|spread>effect)/m);
});

test('configuration names must be unique', async () => {
  const run = async () => {
    throw new Error('not run');
  };
  await assert.rejects(meshOverheadReport([{ name: 'a', run }, { name: 'a', run }]), /names must be unique/);
  await assert.rejects(meshOverheadReport([]), /at least one configuration/);
});

test('the HAProxy pair keeps its upstream connections under concurrent load (no new connection per request)', { skip: findHaproxy() === null ? 'haproxy is not installed' : false }, async () => {
  // An upstream that counts the connections it accepts. With the pair's process maxconn at the load's size, HAProxy
  // dropped idle server connections (tune.pool-high-fd-ratio) and dialled anew per request: behind a port-forward
  // tunnel that is one new stream per request and starved the anchor.
  let accepted = 0;
  const upstream = http.createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (_req, res) => res.end('ok\n'));
  upstream.on('connection', () => accepted++);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const pair = await startHaproxyPair(findHaproxy()!, { host: '127.0.0.1', port: (upstream.address() as net.AddressInfo).port }, 64);
  try {
    const r = await runLoadTest({ url: `http://${pair.host}:${pair.port}/`, durationMs: 1500, warmupMs: 0, connections: 32 });
    assert.equal(r.statusCodes['200'], r.responses);
    assert.ok(r.responses >= 500, `enough requests to tell reuse from re-dialling: ${r.responses}`);
    assert.ok(accepted <= 64, `${accepted} upstream connections for ${r.responses} requests over 32 client connections`);
  } finally {
    await pair.stop();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});

test('the HAProxy pair forwards through two real proxy processes, reports their CPU, and stops them', { skip: findHaproxy() === null ? 'haproxy is not installed' : false }, async () => {
  const u = new URL(target.url);
  const pair = await startHaproxyPair(findHaproxy()!, { host: u.hostname, port: Number(u.port) }, 64);
  let stopped = false;
  try {
    assert.match(pair.version, /^\d+\.\d+/);
    const cpu0 = pair.cpuMs();
    const r = await runLoadTest({ url: `http://${pair.host}:${pair.port}/`, rps: 300, durationMs: 1000, warmupMs: 0, connections: 4 });
    assert.equal(r.statusCodes['200'], r.responses);
    assert.ok(r.responses >= 250, `answers through the pair: ${r.responses}`);
    if (cpu0 !== null) assert.ok(pair.cpuMs()! > cpu0, 'the proxies spent CPU on the requests');
    assert.ok((pair.rssBytes() ?? 1) > 0);
    await pair.stop();
    stopped = true;
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: pair.host, port: pair.port });
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    assert.ok(refused, 'nothing listens after stop()');
  } finally {
    if (!stopped) await pair.stop();
  }
  await assert.rejects(startHaproxyPair(existsSync('/bin/false') ? '/bin/false' : '/nonexistent', { host: '127.0.0.1', port: 1 }), /haproxy \(server_proxy\) exited at start|ENOENT/);
});

test('the mTLS HAProxy pair speaks mutual TLS 1.3 between its proxies: a client without a certificate, or plaintext, gets nothing', { skip: findHaproxy() === null ? 'haproxy is not installed' : false }, async () => {
  const u = new URL(target.url);
  const pair = await startHaproxyPair(findHaproxy()!, { host: u.hostname, port: Number(u.port) }, 64, { mtls: true });
  try {
    assert.equal(pair.hop.mtls, true);
    const r = await runLoadTest({ url: `http://${pair.host}:${pair.port}/`, rps: 200, durationMs: 500, warmupMs: 0, connections: 2 });
    assert.ok(r.responses > 0 && r.statusCodes['200'] === r.responses, `answers through the mTLS pair: ${JSON.stringify(r.statusCodes)}`);
    // The hop's listener is TLS: a plaintext request there gets no HTTP answer.
    const plain = await new Promise<string>((resolve) => {
      const s = net.connect({ host: pair.hop.host, port: pair.hop.port }, () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.once('close', () => resolve(got));
      s.once('error', () => resolve(got));
      s.setTimeout(3000, () => s.destroy());
    });
    assert.doesNotMatch(plain, /^HTTP\/1\.1 200/, 'plaintext is not served on the mTLS hop');
    // A TLS client that trusts anything but shows no certificate: the handshake completes only on its side at
    // most, and the server proxy (verify required) refuses it before any HTTP answer.
    const { connect: tlsConnect } = await import('node:tls');
    const anonymous = await new Promise<{ version: string | null; answer: string }>((resolve) => {
      const s = tlsConnect({ host: pair.hop.host, port: pair.hop.port, rejectUnauthorized: false }, () => s.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
      let answer = '';
      let version: string | null = null;
      s.once('secureConnect', () => (version = s.getProtocol()));
      s.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      s.once('close', () => resolve({ version, answer }));
      s.once('error', () => undefined);
      s.setTimeout(3000, () => s.destroy());
    });
    assert.equal(anonymous.version, 'TLSv1.3', 'the hop speaks TLS 1.3 (the attempt reached the handshake)');
    assert.equal(anonymous.answer, '', 'no HTTP answer without a client certificate');
  } finally {
    await pair.stop();
  }
});
