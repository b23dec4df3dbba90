// Linkerd's fault-injection task (tasks/fault-injection.md, vendored unchanged): its error injector — nginx:alpine
// with a ConfigMap'd nginx.conf that answers `return 500;` — applied with the real kubectl as the task's heredoc
// writes it, answers 500 to every path through the mesh, and a weighted HTTPRoute (the task's error-split) sends a
// share of the books requests to it. A config the sandbox's nginx cannot serve fails the container with nginx's
// `[emerg]` line in its log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubectlOk, startCluster, waitFor, type ClusterFixture } from './fixture.js';

const UPSTREAM = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'upstream');
const NS = 'booksapp';

/** The YAML of the task's heredocs (`cat <<EOF … EOF`), in order. */
const heredocs = (doc: string) => [...doc.matchAll(/<<EOF[^\n]*\n([\s\S]*?)\nEOF/g)].map((m) => m[1]);

describe("Linkerd's fault-injection task: the nginx error injector", () => {
  let c: ClusterFixture;
  const doc = readFileSync(join(UPSTREAM, 'linkerd-website', 'fault-injection.md'), 'utf8');
  const send = (pod: string, url: string) => c.sandbox.runtime.requestFrom(NS, pod, { method: 'GET', url, headers: {}, timeoutMs: 10_000 });
  const running = (app: string) => c.pods(NS, (p) => p.metadata.labels?.app === app && p.status?.phase === 'Running')[0]?.metadata.name;

  before(async () => {
    c = await startCluster();
    await kubectlOk(c, ['create', 'namespace', NS]);
    await kubectlOk(c, ['annotate', 'namespace', NS, 'linkerd.io/inject=enabled']);
    await kubectlOk(c, ['apply', '-n', NS, '-f', join(UPSTREAM, 'linkerd-website', 'booksapp.yml'), '-f', join(UPSTREAM, 'istio', 'curl.yaml')]);
    await kubectlOk(c, ['scale', '-n', NS, 'deploy/traffic', '--replicas=0']);
  });
  after(async () => {
    await c?.close();
  });

  test("the task's error-injector manifest, as written: nginx answers 500 on every path, meshed", async () => {
    const [injector, split] = heredocs(doc);
    assert.match(injector, /image: nginx:alpine/);
    assert.match(injector, /return 500;/);
    const out = await kubectlOk(c, ['apply', '-f', '-'], injector);
    assert.match(out, /configmap\/error-injector created\ndeployment.apps\/error-injector created\nservice\/error-injector created/);
    await kubectlOk(c, ['wait', '-n', NS, '--for=condition=Available', 'deploy/error-injector', 'deploy/curl', 'deploy/books', '--timeout=60s'], undefined, 70_000);
    const curl = running('curl')!;
    for (const path of ['/', '/books.json', '/anything/else']) {
      const r = await waitFor(`error-injector answers ${path}`, async () => {
        const res = await send(curl, `http://error-injector:8080${path}`);
        return res.status === 500 ? res : undefined;
      });
      assert.match(r.body, /<title>500 Internal Server Error<\/title>/);
      assert.match(String(r.headers.server ?? ''), /^nginx\//);
    }
    const pod = c.pods(NS, (p) => p.metadata.labels?.app === 'error-injector')[0];
    assert.ok(pod.spec?.containers?.some((x) => x.name === 'mesh-proxy'), 'the injector is meshed, as `linkerd inject` makes it');

    // The task's error-split: 90 to books, 10 to error-injector — some of 60 requests fail, most do not.
    await kubectlOk(c, ['apply', '-f', '-'], split);
    const statuses = await waitFor('the split reaches the injector', async () => {
      const s = (await Promise.all(Array.from({ length: 60 }, () => send(curl, 'http://books:7002/books.json')))).map((r) => r.status);
      return s.includes(500) ? s : undefined;
    });
    assert.ok(statuses.filter((s) => s === 200).length > 30, `most requests still reach books: ${statuses.join(',')}`);
  });

  test("a directive the sandbox's nginx does not serve: the container exits with nginx's [emerg] line", async () => {
    const bad = `apiVersion: v1
kind: ConfigMap
metadata: {name: bad-nginx, namespace: ${NS}}
data:
  nginx.conf: "events {}\\nhttp { server { listen 8080; location / { proxy_pass http://books:7002; } } }\\n"
---
apiVersion: v1
kind: Pod
metadata: {name: bad-nginx, namespace: ${NS}, annotations: {linkerd.io/inject: disabled}}
spec:
  restartPolicy: Never
  containers:
  - name: nginx
    image: nginx:alpine
    volumeMounts: [{name: conf, mountPath: /etc/nginx/nginx.conf, subPath: nginx.conf}]
  volumes: [{name: conf, configMap: {name: bad-nginx}}]
`;
    await kubectlOk(c, ['apply', '-f', '-'], bad);
    await waitFor('the pod fails', () => c.pods(NS, (p) => p.metadata.name === 'bad-nginx' && p.status?.phase === 'Failed')[0]);
    const logs = await kubectlOk(c, ['logs', '-n', NS, 'bad-nginx']);
    assert.match(logs, /nginx: \[emerg\] unknown directive "proxy_pass" in \/etc\/nginx\/nginx.conf:2/);
  });
});
