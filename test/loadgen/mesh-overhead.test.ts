// Mesh overhead report: the same load against a direct target and through a proxy hop that adds work;
// deltas are against the first configuration, CPU/memory come from the sampler.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawnEchoTarget, type EchoTarget } from '../../playground-server/loadgen/echo-target.js';
import { runLoadTest } from '../../playground-server/loadgen/coordinator.js';
import { meshOverheadReport } from '../../playground-server/loadgen/mesh-overhead.js';

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

test('Δp50/Δp90/Δp99 against the direct baseline, with CPU and memory per configuration', async () => {
  const load = { rps: 200, durationMs: 1500, warmupMs: 200, connections: 4 };
  const sample = () => ({ cpu: (process.cpuUsage().user + process.cpuUsage().system) / 1e6, rssBytes: process.memoryUsage().rss });
  const report = await meshOverheadReport([
    { name: 'direct', run: () => runLoadTest({ url: target.url, ...load }) },
    { name: 'sidecar', run: () => runLoadTest({ url: proxyUrl, ...load }), sample },
  ]);
  assert.equal(report.baseline, 'direct');
  assert.equal(report.latency, 'corrected');
  const [direct, sidecar] = report.rows;
  assert.equal(direct.deltaP50Ms, 0);
  assert.ok(sidecar.deltaP50Ms >= 7, `the 10 ms hop shows in Δp50: ${sidecar.deltaP50Ms}`);
  // The tail of either run can be inflated by the shared machine, so only the median's sign is asserted.
  assert.ok(Number.isFinite(sidecar.deltaP90Ms) && Number.isFinite(sidecar.deltaP99Ms), `Δp90: ${sidecar.deltaP90Ms}`);
  assert.equal(direct.cpuMillicores, null, 'no sampler, no CPU figure');
  assert.ok(sidecar.cpuMillicores !== null && sidecar.cpuMillicores > 0);
  assert.ok(sidecar.maxRssBytes !== null && sidecar.maxRssBytes > 10 * 2 ** 20);
  assert.match(report.text, /Δp50 ms/);
  assert.match(report.text, /^sidecar\s+\d+\.\d\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\+\d/m);
  const json = JSON.parse(JSON.stringify(report));
  assert.equal(json.rows[1].name, 'sidecar');
});

test('configuration names must be unique', async () => {
  const run = async () => {
    throw new Error('not run');
  };
  await assert.rejects(meshOverheadReport([{ name: 'a', run }, { name: 'a', run }]), /names must be unique/);
  await assert.rejects(meshOverheadReport([]), /at least one configuration/);
});
