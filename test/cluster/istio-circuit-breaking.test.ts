// Istio's "Circuit Breaking" task (istio.io/latest/docs/tasks/traffic-management/circuit-breaking) with the real
// kubectl: samples/httpbin/httpbin.yaml and samples/httpbin/sample-client/fortio-deploy.yaml applied unchanged in an
// injected namespace, the task's DestinationRule taken verbatim from the heredoc in istio.io's snips.sh
// (maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1), then fortio run as the task runs it:
// `-c 2 -qps 0 -n 20` gets some 503s, counted as upstream_rq_pending_overflow in the fortio sidecar's Envoy-named
// stats; one connection at a time (`-c 1`) gets none. The task's `pilot-agent request GET stats` runs as written but
// for the sidecar container's name (`mesh-proxy` here, `istio-proxy` in Istio).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';
import { execIn } from './exec-helpers.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const SNIPS = readFileSync(join(UPSTREAM, 'istio-io', 'circuit-breaking', 'snips.sh'), 'utf8');

/** The body of a snip function: `snip_name() {\n…\n}`. */
function snip(name: string): string {
  const m = SNIPS.match(new RegExp(`^${name}\\(\\) \\{\\n([\\s\\S]*?)\\n\\}$`, 'm'));
  assert.ok(m, `snips.sh has ${name}`);
  return m[1];
}

/** The heredoc a snip feeds to `kubectl apply -f - <<EOF`. */
function heredoc(name: string): string {
  const m = snip(name).match(/<<EOF\n([\s\S]*?)\nEOF$/);
  assert.ok(m, `${name} has a heredoc`);
  return m[1] + '\n';
}

/** A task command line run by bash on the host, FORTIO_POD set, KUBECONFIG pointing at the sandbox. */
function hostShell(c: ClusterFixture, line: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', line], { timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir, KUBECONFIG: c.kubeconfig, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

const codes = (report: string) => Object.fromEntries([...report.matchAll(/^Code\s+(-?\d+) : (\d+) \(([\d.]+) %\)$/gm)].map((m) => [m[1], Number(m[2])]));

let c: ClusterFixture;
let fortioPod: string;

before(async () => {
  c = await startCluster();
  await kubectlOk(c, ['label', 'namespace', 'default', 'istio-injection=enabled']);
  await kubectlOk(c, ['apply', '-f', join(UPSTREAM, 'istio', 'httpbin.yaml'), '-f', join(UPSTREAM, 'istio', 'fortio-deploy.yaml')]);
  await kubectlOk(c, ['wait', '--for=condition=Ready', 'pods', '--all', '--timeout=60s'], undefined, 70_000);
  // snip_adding_a_client_3's first line, as written.
  const lookup = snip('snip_adding_a_client_3').split('\n')[0].replace(/^FORTIO_POD=\$\((.*)\)$/, '$1');
  fortioPod = (await hostShell(c, lookup)).stdout.trim();
  assert.match(fortioPod, /^fortio-deploy-/);
});

after(async () => {
  await c?.close();
});

const stats = async () => (await hostShell(c, `kubectl get --raw "/api/v1/namespaces/default/pods/$FORTIO_POD:4191/proxy/stats" | grep httpbin | grep pending`, { FORTIO_POD: fortioPod })).stdout;
const overflow = (text: string) => Number(text.match(/^cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.upstream_rq_pending_overflow: (\d+)$/m)?.[1] ?? NaN);

test("the task's DestinationRule applies as written; fortio's -curl reaches httpbin through the sidecars", async () => {
  const applied = await c.kubectl(['apply', '-f', '-'], { input: heredoc('snip_configuring_the_circuit_breaker_1') });
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stdout.trim(), 'destinationrule.networking.istio.io/httpbin created');
  assert.doesNotMatch(applied.stderr, /Warning/, 'every field of the task\'s rule is honoured');

  const curl = await hostShell(c, snip('snip_adding_a_client_3').split('\n')[1], { FORTIO_POD: fortioPod });
  assert.equal(curl.code, 0, curl.stderr);
  assert.match(curl.stderr, /^HTTP\/1\.1 200 OK\r$/m, 'the response head on stderr, as fortio curl prints it');
  assert.match(curl.stdout, /"User-Agent":\s*\[\s*"fortio\.org\/fortio-/, "httpbin echoes fortio's User-Agent");

  await waitFor('the DestinationRule reaches the fortio sidecar (its Envoy cluster shows in /stats)', async () => {
    await hostShell(c, snip('snip_adding_a_client_3').split('\n')[1], { FORTIO_POD: fortioPod });
    return /upstream_rq_pending_total: [1-9]/.test(await stats());
  }, { timeoutMs: 10_000, intervalMs: 200 });
});

test('fortio -c 2 -qps 0 -n 20: some requests are refused with 503 and counted as pending overflow', async () => {
  const before = overflow(await stats());
  const run = await hostShell(c, snip('snip_tripping_the_circuit_breaker_1'), { FORTIO_POD: fortioPod });
  assert.equal(run.code, 0, run.stderr);
  const report = run.stdout + run.stderr;
  // (Lines fortio prints before its first call are checked in-process below: kubectl may drop output that beats its
  // stream setup.)
  assert.match(report, /^Sockets used: \d+ \(for perfect keepalive, would be 2\)$/m);
  assert.match(report, /^# target 99% [\d.e-]+$/m);
  const got = codes(report);
  assert.equal((got['200'] ?? 0) + (got['503'] ?? 0), 20, report);
  if (process.env.SHOW_FORTIO) console.log(report);
  assert.ok(got['503'] > 0, `some 503s (circuit breaker overflow): ${JSON.stringify(got)}\n${report}`);
  assert.ok(got['200'] > 0, `and some 200s: ${JSON.stringify(got)}`);
  assert.match(report, /"msg":"Non ok http code","code":503,"status":"HTTP\/1\.1 503"/);
  const text = await stats();
  assert.match(text, /^cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.upstream_rq_pending_overflow: \d+$/m);
  assert.equal(overflow(text) - before, got['503'], `every 503 is an overflow:\n${text}`);

  const metrics = await hostShell(c, `kubectl get --raw "/api/v1/namespaces/default/pods/$FORTIO_POD:4191/proxy/metrics" | grep '^envoy_cluster_upstream_rq_pending_overflow'`, { FORTIO_POD: fortioPod });
  assert.match(metrics.stdout, new RegExp(`^envoy_cluster_upstream_rq_pending_overflow\\{cluster_name="outbound\\|8000\\|\\|httpbin\\.default\\.svc\\.cluster\\.local"\\} ${overflow(text)}$`, 'm'));
});

test('one connection at a time (-c 1) is never refused', async () => {
  const before = overflow(await stats());
  const line = snip('snip_tripping_the_circuit_breaker_1').replace('-c 2', '-c 1');
  const run = await hostShell(c, line, { FORTIO_POD: fortioPod });
  assert.equal(run.code, 0, run.stderr);
  const report = run.stdout + run.stderr;
  assert.deepEqual(codes(report), { '200': 20 }, report);
  assert.match(report, /^Code 200 : 20 \(100\.0 %\)$/m);
  assert.equal(overflow(await stats()), before);
});

test("the task's stats command (pilot-agent in the sidecar container) shows the overflow counter", async () => {
  const line = snip('snip_tripping_the_circuit_breaker_5').replace('-c istio-proxy', '-c mesh-proxy');
  const r = await hostShell(c, line, { FORTIO_POD: fortioPod });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(overflow(r.stdout) > 0, r.stdout);
  for (const l of r.stdout.trim().split('\n')) assert.match(l, /^cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.[a-z_.]*pending[a-z_]*: \d+$/);
  assert.match(r.stdout, /^cluster\.outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local\.upstream_rq_pending_total: \d+$/m);
  // Refusals are read in-process: a program that fails at once can beat kubectl to setting up its stderr stream
  // (client-go's "Unknown stream id 2, discarding message"), so kubectl alone may not show the text.
  const refused = await execIn(c.sandbox.runtime, 'default', fortioPod, ['pilot-agent', 'request', 'POST', 'quitquitquit'], { container: 'mesh-proxy' });
  assert.equal(refused.code, 1);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /POST is not supported by the sandbox pilot-agent/);
  const elsewhere = await execIn(c.sandbox.runtime, 'default', fortioPod, ['pilot-agent', 'request', 'GET', '../../etc/passwd'], { container: 'mesh-proxy' });
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stderr, /has no "..\/..\/etc\/passwd"/);
});

test('fortio is bounded and dials only inside the cluster: over-limit flags are refused, a host listener sees no connection', async () => {
  const tooMany = await c.kubectl(['exec', fortioPod, '-c', 'fortio', '--', '/usr/bin/fortio', 'load', '-c', '1000', '-n', '10', 'http://httpbin:8000/get']);
  assert.equal(tooMany.code, 1, 'kubectl exec reports the exit code');
  // The messages, in-process (see the pilot-agent test on kubectl's stderr race).
  const fortio = (args: string[]) => execIn(c.sandbox.runtime, 'default', fortioPod, ['/usr/bin/fortio', ...args], { container: 'fortio' });
  const limit = await fortio(['load', '-c', '1000', '-n', '10', 'http://httpbin:8000/get']);
  assert.equal(limit.code, 1);
  assert.match(limit.stderr, /-c 1000 is outside what the sandbox allows \(1\.\.64\)/);
  const unknown = await fortio(['load', '-json', '/etc/passwd', 'http://httpbin:8000/get']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /flag provided but not defined: -json/);
  const calls = await fortio(['load', '-n', '100001', 'http://httpbin:8000/get']);
  assert.equal(calls.code, 1);
  assert.match(calls.stderr, /-n 100001 is outside what the sandbox allows/);

  let connections = 0;
  const host = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  const { port } = host.address() as AddressInfo;
  try {
    for (const target of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`, `http://127.0.0.2:${port}/`]) {
      const r = await c.kubectl(['exec', fortioPod, '-c', 'fortio', '--', '/usr/bin/fortio', 'load', '-c', '1', '-qps', '0', '-n', '3', '-loglevel', 'Error', target]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout + r.stderr, /^Code  -1 : 3 \(100\.0 %\)$/m, `${target}: every call failed to connect`);
    }
    assert.equal(connections, 0, 'the host listener was never reached');
  } finally {
    host.close();
  }
});

test('a trafficPolicy value the sandbox does not honour is reported in the rule status, an unknown field warned on apply', async () => {
  const rule = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: fortio
spec:
  host: fortio
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpHeaderName: x-user
    tls:
      mode: SIMPLE
`;
  const applied = await c.kubectl(['apply', '-f', '-'], { input: rule });
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stderr, /Warning: .*spec\.trafficPolicy\.loadBalancer\.consistentHash/);
  const status = await waitFor('the rule status names the TLS mode', async () => {
    const out = await kubectlOk(c, ['get', 'destinationrule', 'fortio', '-o', 'jsonpath={.status.conditions[0].reason}: {.status.conditions[0].message}']);
    return out.includes('SIMPLE') ? out : undefined;
  }, { timeoutMs: 10_000, intervalMs: 200 });
  assert.match(status, /^PartiallyApplied: /);
  assert.match(status, /tls\.mode: SIMPLE .* not supported by the sandbox mesh/);
});

test("fortio's header lines, and by duration at a set rate (-t 1s -qps 20) against its own echo server: rate line, warm-up, 200s", async () => {
  const fortio = (args: string[]) => execIn(c.sandbox.runtime, 'default', fortioPod, ['/usr/bin/fortio', ...args], { container: 'fortio', timeoutMs: 30_000 });
  const exactly = await fortio(['load', '-c', '2', '-qps', '0', '-n', '7', 'http://fortio:8080/echo']);
  assert.equal(exactly.code, 0, exactly.stderr);
  assert.match(exactly.stderr, /^Fortio 1\.\d+\.\d+ running at 0 queries per second, \d+->\d+ procs, for 7 calls: http:\/\/fortio:8080\/echo$/m);
  assert.match(exactly.stderr, /^Starting at max qps with 2 thread\(s\) \[gomax \d+\] for exactly 7 calls \(3 per thread \+ 1\)$/m);
  assert.match(exactly.stderr, /^Code 200 : 7 \(100\.0 %\)$/m);
  const r = await fortio(['load', '-c', '2', '-qps', '20', '-t', '1s', '-allow-initial-errors', 'http://fortio:8080/echo?size=100']);
  assert.equal(r.code, 0, r.stderr);
  const report = r.stdout + r.stderr;
  assert.match(report, /^Fortio 1\.\d+\.\d+ running at 20 queries per second, \d+->\d+ procs, for 1s: http:\/\/fortio:8080\/echo\?size=100$/m);
  assert.match(report, /^Starting at 20 qps with 2 thread\(s\) \[gomax \d+\] for 1s : 10 calls each \(total 20\)$/m);
  const done = report.match(/^All done (\d+) calls \(plus 2 warmup\) [\d.]+ ms avg, [\d.]+ qps$/m);
  assert.ok(done, report);
  // The rate bounds it: calls are scheduled every 100 ms per thread, none at or after 1 s (a slow machine makes fewer).
  assert.ok(Number(done[1]) >= 1 && Number(done[1]) <= 20, `at most 20 calls in 1 s at 20 qps: ${done[1]}`);
  assert.deepEqual(Object.keys(codes(report)), ['200'], report);
  assert.match(report, /^Response Body\/Total Sizes : count \d+ avg \d/m);
});
