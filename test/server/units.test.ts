// The server's pure pieces: the command-line splitter, the kubectl policy, the request target policy,
// the rate limiter, the Prometheus reader and the spec loader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitWords } from '../../playground-server/terminal/words.js';
import { checkKubectlArgs } from '../../playground-server/terminal/kubectl-policy.js';
import { HostAllowList } from '../../playground-server/api/http-guards.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJsonBounded } from '../../playground-server/api/json-limits.js';
import { redactAddresses } from '../../playground-server/api/errors.js';
import { serviceOfHost } from '../../playground-server/requests/target-policy.js';
import { TokenBucketLimiter } from '../../playground-server/api/rate-limit.js';
import { bucketQuantile, parsePrometheusText } from '../../playground-server/mesh/prometheus-text.js';
import { loadSpec } from '../../playground-server/api/spec.js';
import { ApiError } from '../../playground-server/api/errors.js';
import { OutputSink } from '../../playground-server/terminal/output.js';

const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    return err.reason;
  }
  assert.fail('expected an error');
};

test('command lines split into words with quotes, and shell syntax is refused', () => {
  assert.deepEqual(splitWords(`kubectl get pods -l 'app=reviews' -o "jsonpath={.items[*].metadata.name}"`), ['kubectl', 'get', 'pods', '-l', 'app=reviews', '-o', 'jsonpath={.items[*].metadata.name}']);
  assert.deepEqual(splitWords(`curl -d '{"a": "b|c;d"}' http://x`), ['curl', '-d', '{"a": "b|c;d"}', 'http://x']);
  assert.deepEqual(splitWords('  '), []);
  for (const line of ['kubectl get pods | grep x', 'kubectl get pods; rm -rf /', 'ls > /tmp/x', 'echo $(id)', 'echo `id`', 'a && b', 'echo $HOME', "echo 'unterminated", 'a\nb']) {
    assert.equal(reasonOf(() => splitWords(line)), 'ValidationFailed', line);
  }
});

test('kubectl runs only safe subcommands and never reads files or switches credentials', () => {
  // Allowed lines come back in canonical form (one --long=value word per flag): what kubectl parses is what was checked.
  for (const [ok, canonical] of [
    [['get', 'pods'], ['get', 'pods']],
    [['get', 'pods', '-n', 'x', '-o', 'wide'], ['get', 'pods', '--namespace=x', '--output=wide']],
    [['get', '-wojson', 'pods'], ['get', 'pods', '--watch', '--output=json']],
    [['get', 'pods', '-o=jsonpath={.items[*].metadata.name}'], ['get', 'pods', '--output=jsonpath={.items[*].metadata.name}']],
    [['logs', '-f', 'deploy/x'], ['logs', 'deploy/x', '--follow']],
    [['apply', '--server-side', '--help'], ['apply', '--server-side', '--help']],
    [['delete', 'pod', 'x'], ['delete', 'pod', 'x']],
    [['auth', 'can-i', 'list', 'pods'], ['auth', 'can-i', 'list', 'pods']],
    [['create', 'deployment', 'd', '--image', 'playground/httpbin:v1', '--', 'x', '-f'], ['create', 'deployment', 'd', '--image=playground/httpbin:v1', '--', 'x', '-f']],
    // exec runs its command in the pod (through pods/exec), so what follows `--` is the container's business.
    [['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-sS', 'httpbin:8000/get', '-o', '/dev/null'], ['exec', 'deploy/curl', '--container=curl', '--', 'curl', '-sS', 'httpbin:8000/get', '-o', '/dev/null']],
  ]) {
    assert.deepEqual(checkKubectlArgs(ok), canonical, ok.join(' '));
  }
  for (const bad of [
    ['apply', '-f', '/etc/passwd'], ['apply', '--filename=/etc/passwd'], ['create', 'configmap', 'x', '--from-file=/etc/passwd'], ['get', 'pods', '-o', 'jsonpath-file=/etc/passwd'],
    ['get', 'pods', '--kubeconfig=/root/.kube/config'], ['get', 'pods', '--token', 'x'], ['get', 'pods', '-s', 'https://evil'], ['get', 'pods', '--as', 'admin'],
    ['exec', 'x', '-it', '--', 'sh'], ['exec', 'x', '--stdin', '--', 'sh'], ['exec', 'x'], ['exec', 'x', '--'], ['exec', '-f', '/etc/passwd', '--', 'ls'], ['proxy'], ['port-forward', 'x', '80'], ['cp', 'a', 'b'], ['config', 'view', '--raw'], ['--namespace', 'x', 'get', 'pods'], ['run', 'x', '-it', '--image', 'y'], ['get', 'pods', '-k', '.'], [],
    ['get', 'ns', 'x', '--output=go-template-file', '--template=/etc/passwd'], ['get', 'ns', '--output=templatefile', '--template=/etc/passwd'], ['get', 'ns', '--output=jsonpath-file', '--template=/etc/passwd'],
    ['get', 'ns', '-wo', 'go-template-file', '--template=/etc/passwd'], ['get', '-wf', '/etc/passwd'], ['delete', '-Af', '/etc/passwd'], ['get', 'pods', '-ocustom-columns-file=/etc/passwd'],
    ['get', 'pods', '-v=9'], ['get', 'pods', '--cache-dir=/tmp'], ['cluster-info', 'dump'], ['get', 'pods', '--', '-f', 'x'], ['get', 'pods', '--raw', 'file:///etc/passwd'],
  ]) {
    assert.equal(reasonOf(() => checkKubectlArgs(bad)), 'CommandRefused', bad.join(' '));
  }
});

test('request targets are Services of the session only', () => {
  assert.equal(serviceOfHost('reviews', 'pg-a'), 'reviews');
  assert.equal(serviceOfHost('reviews.pg-a', 'pg-a'), 'reviews');
  assert.equal(serviceOfHost('reviews.pg-a.svc', 'pg-a'), 'reviews');
  assert.equal(serviceOfHost('reviews.pg-a.svc.cluster.local', 'pg-a'), 'reviews');
  for (const host of ['127.0.0.1', '[::1]', '169.254.169.254', '2130706433', '0x7f000001', 'reviews.pg-b', 'reviews.pg-b.svc.cluster.local', 'kubernetes.default.svc', 'metadata.google.internal', 'example.com', 'a.b.c.d']) {
    assert.equal(reasonOf(() => serviceOfHost(host, 'pg-a')), 'TargetRefused', host);
  }
});

test('the token bucket allows a burst, then refuses with the limit named', () => {
  const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 3 });
  for (let i = 0; i < 3; i++) assert.equal(limiter.tryTake('k'), undefined);
  const err = limiter.tryTake('k');
  assert.equal(err?.reason, 'TooManyRequests');
  assert.equal(err?.details?.limit, 'operationsPerSecond');
  assert.equal(limiter.tryTake('other'), undefined, 'buckets are per caller');
});

test('Prometheus text is read and histogram quantiles interpolate within buckets', () => {
  const samples = parsePrometheusText('# HELP x y\nresponse_total{direction="inbound",status_code="200",classification="success"} 7\nlat_bucket{le="10"} 5\nlat_bucket{le="20"} 10\nlat_bucket{le="+Inf"} 10\n');
  assert.equal(samples.length, 4);
  assert.deepEqual(samples[0].labels, { direction: 'inbound', status_code: '200', classification: 'success' });
  const buckets = new Map(samples.slice(1).map((s) => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value]));
  assert.equal(bucketQuantile(0.5, buckets), 10);
  assert.equal(bucketQuantile(0.75, buckets), 15);
  assert.equal(bucketQuantile(0.5, new Map()), null);
});

test('the spec loads, every operation has a unique id and validators name bad fields', () => {
  const spec = loadSpec();
  assert.ok(spec.operations.size >= 27);
  const send = spec.operations.get('sendRequest')!;
  const err = (() => {
    try {
      send.validateParams({ url: 5, bogus: true });
    } catch (e) {
      return e as ApiError;
    }
  })();
  assert.equal(err?.reason, 'ValidationFailed');
  const fields = (err?.details?.fields as { field: string }[]).map((f) => f.field).sort();
  assert.deepEqual(fields, ['bogus', 'url']);
  assert.deepEqual(send.validateParams({ url: 'http://x' }), { url: 'http://x', from: 'curl', timeoutMs: 10000 });
});

test('terminal output is capped: the program is stopped and the result says truncated', async () => {
  const chunks: string[] = [];
  const sink = new OutputSink(async (e) => void chunks.push(e.data), 1000);
  let stopped = false;
  sink.onOverflow(() => (stopped = true));
  for (let i = 0; i < 50; i++) await sink.write('stdout', 'x'.repeat(100));
  await sink.flushed();
  assert.equal(stopped, true);
  assert.equal(sink.truncated, true);
  assert.equal(chunks.filter((c) => c.startsWith('x')).join('').length, 1000);
  assert.match(chunks.at(-1)!, /truncated at 1000 bytes/);
});

test('the Host allow-list: loopback defaults with and without the port, named hosts, wildcard binds need names', () => {
  const d = new HostAllowList(undefined, '127.0.0.1', 8080);
  for (const ok of ['127.0.0.1:8080', '127.0.0.1', 'localhost:8080', 'LOCALHOST', '[::1]:8080', '[::1]']) assert.ok(d.allows(ok), ok);
  for (const bad of [undefined, '', 'evil.example', 'evil.example:8080', '127.0.0.1:8081', 'localhost.evil:8080', '127.0.0.2:8080', '[::2]:8080', 'localhost:8080@evil']) assert.ok(!d.allows(bad), String(bad));
  const named = new HostAllowList(['play.example.com', 'admin.example.com:8443', '::1'], '0.0.0.0', 8080);
  for (const ok of ['play.example.com', 'play.example.com:443', 'admin.example.com:8443', '[::1]:9']) assert.ok(named.allows(ok), ok);
  for (const bad of ['admin.example.com', 'admin.example.com:443', 'localhost:8080', '127.0.0.1:8080']) assert.ok(!named.allows(bad), bad);
  assert.throws(() => new HostAllowList(undefined, '0.0.0.0', 8080), /--allowed-host/);
  assert.throws(() => new HostAllowList([], '::', 8080), /--allowed-host/);
});

test('JSON nesting is measured outside strings; addresses are redacted from messages', () => {
  assert.equal(jsonDepthExceeds('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)), false);
  assert.equal(jsonDepthExceeds('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1)), true);
  assert.equal(jsonDepthExceeds(JSON.stringify({ s: '['.repeat(10_000), t: 'a\\"[[[' })), false);
  assert.equal(reasonOf(() => parseJsonBounded('['.repeat(20_000), 'the body')), 'NestingTooDeep');
  assert.equal(reasonOf(() => parseJsonBounded('{"a":', 'the body')), 'InvalidJson');
  const text = redactAddresses('connect ECONNREFUSED 127.0.0.1:6443 while calling https://10.0.0.1:443/api and [::1]:6443, localhost:8080');
  assert.doesNotMatch(text, /127\.0\.0\.1|6443|10\.0\.0\.1|::1|localhost:8080/);
  assert.match(text, /ECONNREFUSED/);
  assert.equal(redactAddresses('spec.rules[0].backendRefs[1].weight: Invalid value'), 'spec.rules[0].backendRefs[1].weight: Invalid value', 'field paths keep their indices');
});
