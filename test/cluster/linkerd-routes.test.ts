// Linkerd's outbound routing API on the sandbox with the real kubectl, driven by Linkerd's own docs, vendored
// unchanged: the books tutorial (tasks/books.md: its HTTPRoutes, then its `kubectl annotate … retry.linkerd.io/http=5xx`
// and `retry.linkerd.io/limit=3` commands, run as a reader pastes them), the retries and timeouts references
// (reference/retries.md, timeouts.md: their YAML examples applied as written). A policy.linkerd.io HTTPRoute on the
// authors Service, annotated for retries, lifts the success rate books sees; a Service's timeout annotation turns a
// slow answer into a 504; the per-route families (outbound_http_route_*) count it all on the sidecar's /metrics
// and the stat-outbound view shows the routes with their retries and timeouts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';
import { matchRule } from '../../sandbox/mesh/proxy/route-matcher.js';
import type { CompiledRule } from '../../sandbox/mesh/config/snapshot.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const WEBSITE = join(UPSTREAM, 'linkerd-website');
const NS = 'booksapp';
const WAIT = ['--timeout=60s'];
const N = 40; // requests per phase: with authors failing half its HEADs, retries make a difference no run can hide

/** A docs command line, run by bash with KUBECONFIG set (how a reader pastes it). */
function hostShell(c: ClusterFixture, line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-o', 'pipefail', '-c', line], { timeout: 30_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: c.dir, KUBECONFIG: c.kubeconfig } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
    );
  });
}

/** The fenced blocks of a docs page, in order (```bash / ```yaml). */
const blocks = (doc: string, lang: string) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```', 'g'))].map((m) => m[1]);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
/** The sidecar's /metrics through the pods proxy, as samples. */
async function metrics(c: ClusterFixture, pod: string): Promise<Sample[]> {
  const text = await kubectlOk(c, ['get', '--raw', `/api/v1/namespaces/${NS}/pods/${pod}:4191/proxy/metrics`]);
  return parsePrometheusTextFormat(text).flatMap((f) => (f.metrics as { labels?: Record<string, string>; value?: string }[]).map((m) => ({ name: f.name, labels: m.labels ?? {}, value: Number(m.value ?? 0) })));
}
const sum = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

describe("Linkerd's routes, retries, timeouts and route metrics on the books app", () => {
  let c: ClusterFixture;
  let webapp: string;
  let books: string;
  let authorId: number;
  const rule = (service: string, port: number, method: string, path: string): CompiledRule | undefined => {
    const table = c.sandbox.mesh!.controlPlane.snapshot.namespaces.get(NS)?.producerRoutes.get(service);
    return table && matchRule(table, port, { method, path, query: '', headers: {} });
  };
  const send = (pod: string, method: string, url: string, body?: string) =>
    c.sandbox.runtime.requestFrom(NS, pod, { method, url, body, headers: body ? { 'content-type': 'application/json' } : {}, timeoutMs: 20_000 });
  /** N book creates from the webapp pod (each makes books HEAD the author on authors, which fails half of them). */
  const createBooks = async () => {
    const statuses: number[] = [];
    for (let i = 0; i < N; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => send(webapp, 'POST', 'http://books:7002/books.json', JSON.stringify({ title: `t${i + j}`, author_id: authorId, pages: 10 }))));
      statuses.push(...batch.map((r) => r.status));
    }
    return statuses;
  };

  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['create', 'namespace', NS]);
    await kubectlOk(c, ['annotate', 'namespace', NS, 'linkerd.io/inject=enabled']);
    await kubectlOk(c, ['apply', '-n', NS, '-f', join(WEBSITE, 'booksapp.yml'), '-f', join(UPSTREAM, 'istio', 'httpbin.yaml')]);
    await kubectlOk(c, ['scale', '-n', NS, 'deploy/traffic', '--replicas=0']); // only this test's requests
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Available', 'deploy/books', 'deploy/webapp', 'deploy/authors', 'deploy/httpbin', ...WAIT], undefined, 70_000);
    webapp = c.pods(NS, (p) => p.metadata.labels?.app === 'webapp' && p.status?.phase === 'Running')[0].metadata.name!;
    books = c.pods(NS, (p) => p.metadata.labels?.app === 'books' && p.status?.phase === 'Running')[0].metadata.name!;
    const authors = JSON.parse((await send(webapp, 'GET', 'http://authors:7001/authors.json')).body) as { id: number }[];
    authorId = authors[0].id;
  });
  after(async () => {
    await c?.close();
  });

  test("books.md: the tutorial's HTTPRoutes and its retry annotations, as written; retries lift books-create and are counted", async () => {
    const doc = readFileSync(join(WEBSITE, 'books.md'), 'utf8');
    const routes = blocks(doc, 'bash').find((b) => b.startsWith('kubectl apply -f - <<EOF\nkind: HTTPRoute'));
    assert.ok(routes, 'books.md has the HTTPRoute block');
    const applied = await hostShell(c, routes);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('books-create compiled', () => rule('books', 7002, 'POST', '/books.json')?.routeName === 'books-create');

    const before = await createBooks();
    const failedBefore = before.filter((s) => s >= 500).length;
    assert.ok(failedBefore > 0, `authors fails half its HEADs, so some creates fail: ${before.join(',')}`);

    // The tutorial's two annotate commands, unchanged.
    const annotate = blocks(doc, 'bash').filter((b) => b.startsWith('kubectl -n booksapp annotate httproutes.gateway.networking.k8s.io/books-create'));
    assert.deepEqual(annotate.map((b) => /retry\.linkerd\.io\/\w+=\S+|timeout\.linkerd\.io\/\w+=\S+/.exec(b)?.[0]), ['retry.linkerd.io/http=5xx', 'retry.linkerd.io/limit=3', 'timeout.linkerd.io/request=15ms']);
    for (const line of annotate.slice(0, 2)) {
      const r = await hostShell(c, line);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /httproute.gateway.networking.k8s.io\/books-create annotated/);
    }
    const create = await waitFor('books-create retries 3 times on 5xx', () => {
      const r = rule('books', 7002, 'POST', '/books.json');
      return r?.retry?.attempts === 3 ? r : undefined;
    });
    assert.deepEqual([create.kind, create.retry?.on?.any5xx], ['HTTPRoute', true]);

    const afterRetries = await createBooks();
    const failedAfter = afterRetries.filter((s) => s >= 500).length;
    assert.ok(failedAfter < failedBefore, `retries lift the success rate: ${failedBefore} → ${failedAfter} failures of ${N}`);

    const m = await metrics(c, webapp);
    const route = { parent_name: 'books', parent_port: '7002', route_name: 'books-create', route_kind: 'HTTPRoute', route_group: 'gateway.networking.k8s.io' };
    assert.equal(sum(m, 'outbound_http_route_request_statuses_total', route), 2 * N, 'every create counted once on its route');
    assert.ok(sum(m, 'outbound_http_route_retry_requests_total', route) > 0, 'retries are counted');
    assert.ok(sum(m, 'outbound_http_route_backend_response_statuses_total', { ...route, backend_name: 'books', http_status: '500' }) >= failedBefore, 'each failed try is a backend 500');
    assert.equal(sum(m, 'outbound_http_route_request_statuses_total', { ...route, http_status: '201' }) + sum(m, 'outbound_http_route_request_statuses_total', { ...route, http_status: '500' }), 2 * N);

    const stat = (await c.sandbox.mesh!.controlPlane.statOutbound({ namespace: NS, fromDeployment: 'webapp', toService: 'books' }));
    const row = stat.find((r) => r.route === 'books-create' && r.name === 'webapp')!;
    assert.ok(row, JSON.stringify(stat));
    assert.deepEqual([row.service, row.type, row.requests], ['books:7002', 'HTTPRoute', 2 * N]);
    assert.ok(row.retryRate! > 0 && row.retries > 0);
    const routesView = (await c.sandbox.mesh!.controlPlane.statRoutes({ namespace: NS, fromDeployment: 'webapp', toService: 'books' })).find((r) => r.route === 'books-create')!;
    assert.ok(routesView.retries > 0 && routesView.retryRate! > 0, `the routes view shows the retries too: ${JSON.stringify(routesView)}`);
    assert.match((await c.sandbox.mesh!.controlPlane.formatRoutes({ namespace: NS, fromDeployment: 'webapp' })), /^ROUTE\s+SERVICE\s+SUCCESS\s+RPS\s+LATENCY_P50\s+LATENCY_P95\s+LATENCY_P99\s+RETRIES\n/);
    const text = (await c.sandbox.mesh!.controlPlane.formatStatOutbound({ namespace: NS, fromDeployment: 'webapp' }));
    assert.match(text, /^NAME\s+SERVICE\s+ROUTE\s+TYPE\s+SUCCESS\s+RPS\s+LATENCY_P50\s+LATENCY_P95\s+LATENCY_P99\s+TIMEOUTS\s+RETRIES\n/);
    assert.match(text, /\nwebapp\s+books:7002\s+books-create\s+HTTPRoute\s+\d+\.\d\d%\s+\d+\.\d\d\s+\S+\s+\S+\s+\S+\s+0\.00%\s+(?!0\.00%)\d+\.\d\d%\n/);
  });

  test('a policy.linkerd.io HTTPRoute on authors with retry annotations: Accepted as Linkerd writes it, and books sees fewer failures', async () => {
    const heads = async () => {
      const out: number[] = [];
      for (let i = 0; i < N; i += 10) out.push(...(await Promise.all(Array.from({ length: 10 }, () => send(books, 'HEAD', `http://authors:7001/authors/${authorId}.json`)))).map((r) => r.status));
      return out;
    };
    const route = {
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'HTTPRoute',
      metadata: { name: 'authors-exists', namespace: NS, annotations: { 'retry.linkerd.io/http': '5xx', 'retry.linkerd.io/limit': '5' } },
      spec: { parentRefs: [{ name: 'authors', kind: 'Service', group: 'core', port: 7001 }], rules: [{ matches: [{ method: 'HEAD', path: { type: 'RegularExpression', value: '/authors/\\d+\\.json' } }] }] },
    };
    // Without the route: half of books' HEADs fail.
    const without = (await heads()).filter((s) => s >= 500).length;
    assert.ok(without > 0);

    const applied = await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ ...route, spec: { ...route.spec, hostnames: ['authors.example'] } }) });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /httproute.policy.linkerd.io\/authors-exists created/);
    assert.match(applied.stderr, /Warning: HTTPRoute "authors-exists": spec\.hostnames is not supported by the sandbox mesh and is ignored/);
    const parents = await waitFor('authors-exists status', async () => {
      const r = JSON.parse(await kubectlOk(c, ['get', 'httproutes.policy.linkerd.io', '-n', NS, 'authors-exists', '-o', 'json'])) as { status?: { parents?: { parentRef: Record<string, unknown>; controllerName: string; conditions: { type: string; status: string }[] }[] } };
      return r.status?.parents?.length ? r.status.parents : undefined;
    });
    assert.deepEqual(parents[0].parentRef, { group: 'core', kind: 'Service', namespace: NS, name: 'authors', port: 7001 });
    assert.equal(parents[0].controllerName, 'mesh.playground.dev/sandbox-mesh');
    assert.deepEqual(parents[0].conditions.map((x) => [x.type, x.status]), [['Accepted', 'True'], ['ResolvedRefs', 'True']]);
    const compiled = await waitFor('authors-exists compiled', () => rule('authors', 7001, 'HEAD', `/authors/${authorId}.json`));
    assert.deepEqual([compiled.kind, compiled.retry?.attempts], ['LinkerdHTTPRoute', 5]);

    const withRetries = (await heads()).filter((s) => s >= 500).length;
    assert.ok(withRetries < without, `5 retries on 5xx: ${without} → ${withRetries} failures of ${N}`);
    const m = await metrics(c, books);
    const labels = { parent_name: 'authors', route_name: 'authors-exists', route_kind: 'HTTPRoute', route_group: 'policy.linkerd.io', route_namespace: NS };
    assert.equal(sum(m, 'outbound_http_route_request_statuses_total', labels), N);
    assert.ok(sum(m, 'outbound_http_route_retry_requests_total', labels) > 0);
    assert.ok(sum(m, 'outbound_http_route_backend_requests_total', { ...labels, backend_name: 'authors' }) > N, 'each retry is another backend request');
    const row = (await c.sandbox.mesh!.controlPlane.statOutbound({ namespace: NS, fromDeployment: 'books', toService: 'authors' })).find((r) => r.route === 'authors-exists');
    assert.ok(row && row.retries > 0 && row.type === 'HTTPRoute' && row.group === 'policy.linkerd.io', JSON.stringify(row));
  });

  test("a Service's timeout annotation: a slow answer becomes the proxy's 504, counted as a REQUEST_TIMEOUT; bad values are warned on apply", async () => {
    const r = await hostShell(c, `kubectl -n ${NS} annotate svc/httpbin timeout.linkerd.io/request=300ms`);
    assert.equal(r.code, 0, r.stderr);
    await waitFor('httpbin default route has the timeout', () => c.sandbox.mesh!.controlPlane.snapshot.namespaces.get(NS)?.services.get('httpbin')?.defaultPolicy?.requestTimeoutMs === 300);
    const slow = await send(webapp, 'GET', 'http://httpbin:8000/delay/5');
    assert.equal(slow.status, 504, slow.body);
    assert.match(String(slow.headers['l5d-proxy-error'] ?? ''), /request timeout of 300ms/);
    const fast = await send(webapp, 'GET', 'http://httpbin:8000/get');
    assert.equal(fast.status, 200, 'the timeout only cuts slow answers');
    const m = await metrics(c, webapp);
    assert.equal(sum(m, 'outbound_http_route_request_statuses_total', { parent_name: 'httpbin', route_kind: 'default', route_name: 'http', error: 'REQUEST_TIMEOUT', http_status: '' }), 1);
    const row = (await c.sandbox.mesh!.controlPlane.statOutbound({ namespace: NS, fromDeployment: 'webapp', toService: 'httpbin' }))[0];
    assert.deepEqual([row.route, row.type, row.timeoutRate], ['[default]', '', 0.5]);

    // A value Linkerd's controller cannot parse: kubectl prints the warning, and the Service's timeouts are dropped.
    const bad = await c.kubectl(['-n', NS, 'annotate', '--overwrite', 'svc/httpbin', 'timeout.linkerd.io/request=5']);
    assert.equal(bad.code, 0, bad.stderr);
    assert.match(bad.stderr, /Warning: Service "httpbin": timeout\.linkerd\.io\/request: missing duration unit; did you mean '5s' or '5ms'\?/);
    await waitFor('the invalid timeout is dropped', () => c.sandbox.mesh!.controlPlane.snapshot.namespaces.get(NS)?.services.get('httpbin')?.defaultPolicy === undefined);
    assert.ok((c.sandbox.mesh!.controlPlane.problems.get(NS) ?? []).some((p) => /Service booksapp\/httpbin: timeout\.linkerd\.io\/request/.test(p)));
  });

  test("the retries and timeouts references' examples, applied as written, configure the route they describe", async () => {
    await kubectlOk(c, ['create', 'namespace', 'schlep']);
    await kubectlOk(c, ['-n', 'schlep', 'create', 'service', 'clusterip', 'schlep', '--tcp=80:8080']);
    const schlep = () => {
      const table = c.sandbox.mesh!.controlPlane.snapshot.namespaces.get('schlep')?.producerRoutes.get('schlep');
      return table && matchRule(table, 80, { method: 'GET', path: '/x', query: '', headers: {} });
    };
    const [retryExample] = blocks(readFileSync(join(WEBSITE, 'retries.md'), 'utf8'), 'yaml');
    assert.match(retryExample, /retry\.linkerd\.io\/timeout: 300ms/);
    await kubectlOk(c, ['apply', '-f', '-'], retryExample);
    const retried = await waitFor('schlep-default retries', () => schlep()?.retry);
    assert.deepEqual([retried.attempts, retried.on?.any5xx, retried.perTryTimeoutMs], [2, true, 300]);

    const [timeoutExample] = blocks(readFileSync(join(WEBSITE, 'timeouts.md'), 'utf8'), 'yaml');
    await kubectlOk(c, ['apply', '-f', '-'], timeoutExample); // the same route: its retry annotations go, timeouts come
    const timed = await waitFor('schlep-default timeouts', () => (schlep()?.requestTimeoutMs === 2000 ? schlep() : undefined));
    assert.deepEqual([timed.backendTimeoutMs, timed.retry], [1000, undefined]);
  });
});
