// The server's one list-and-watch helper and its one NDJSON line reader, over real sockets against a small
// API server that answers as upstream's does: a watch ended by an ERROR event carrying a 410 Expired Status,
// a watch refused with HTTP 410, a watch ended by its timeoutSeconds (re-watched from the last version, not
// re-listed), and a deadline that bounds everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { KubeHttp } from '../../playground-server/kube/kube-http.js';
import { listAndWatch } from '../../playground-server/kube/list-watch.js';
import { readJsonLines, readLines } from '../../playground-server/kube/stream-lines.js';
import { deploymentRolloutStatus } from '../../kubernetes/rollout-status.js';

const PATH = '/apis/apps/v1/namespaces/s1/deployments';

const deployment = (name: string, rv: string, available: number) => ({
  metadata: { name, namespace: 's1', generation: 1, resourceVersion: rv },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available },
});

type Handler = (url: URL, res: ServerResponse) => void;

async function apiServer(handlers: Handler[]): Promise<{ http: KubeHttp; seen: string[]; server: Server }> {
  const seen: string[] = [];
  let next = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(url.searchParams.get('watch') ? `watch rv=${url.searchParams.get('resourceVersion')}` : 'list');
    const handler = handlers[next++];
    if (!handler) return res.writeHead(500).end(); // more requests than the script: fail loudly
    handler(url, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const http = new KubeHttp(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), () => undefined);
  return { http, seen, server };
}

const list = (rv: string, ...items: unknown[]): Handler => (_u, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'DeploymentList', metadata: { resourceVersion: rv }, items }));
const events = (...lines: unknown[]): Handler => (_u, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(lines.map((l) => JSON.stringify(l) + '\n').join(''));
const expired = { type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version: 10 (20)' } };
const ready = (store: ReadonlyMap<string, Parameters<typeof deploymentRolloutStatus>[0]>) => [...store.values()].some((d) => deploymentRolloutStatus(d).done);

test('a 410 Expired ERROR event and a 410 answer both re-list; a watch that just ends is resumed from the last version', { timeout: 20_000 }, async () => {
  const gone: Handler = (_u, res) => res.writeHead(410, { 'content-type': 'application/json' }).end(JSON.stringify(expired.object));
  const api = await apiServer([
    list('10', deployment('web', '10', 0)),
    events(expired),
    list('20', deployment('web', '20', 0)),
    gone,
    list('30', deployment('web', '30', 0)),
    events({ type: 'MODIFIED', object: deployment('web', '31', 0) }), // ends: timeoutSeconds
    events({ type: 'MODIFIED', object: deployment('web', '32', 1) }),
  ]);
  try {
    const out = await listAndWatch(api.http, { path: PATH, until: ready, deadline: Date.now() + 15_000 });
    assert.equal(out.done, true);
    assert.equal([...out.store.values()][0].metadata.resourceVersion, '32');
    assert.deepEqual(api.seen, ['list', 'watch rv=10', 'list', 'watch rv=20', 'list', 'watch rv=30', 'watch rv=31']);
  } finally {
    api.server.close();
    api.server.closeAllConnections();
  }
});

test('a re-list replaces the store: an object deleted while no watch was open is gone', { timeout: 20_000 }, async () => {
  const api = await apiServer([list('10', deployment('old', '9', 0), deployment('web', '10', 0)), events(expired), list('20', deployment('web', '20', 0))]);
  try {
    const out = await listAndWatch(api.http, { path: PATH, until: ready, deadline: Date.now() + 15_000, maxRounds: 2 });
    assert.equal(out.done, false);
    assert.deepEqual([...out.store.keys()], ['s1/web']);
  } finally {
    api.server.close();
    api.server.closeAllConnections();
  }
});

test('the deadline bounds a watch that never sends anything', { timeout: 20_000 }, async () => {
  const api = await apiServer([list('10', deployment('web', '10', 0)), (_u, res) => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders()]);
  try {
    const out = await listAndWatch(api.http, { path: PATH, until: ready, deadline: Date.now() + 500 });
    assert.equal(out.done, false);
    assert.deepEqual(api.seen, ['list', 'watch rv=10']);
  } finally {
    api.server.close();
    api.server.closeAllConnections();
  }
});

test('a cancelled signal ends list-and-watch with Cancelled', { timeout: 20_000 }, async () => {
  const api = await apiServer([list('10', deployment('web', '10', 0)), (_u, res) => res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders()]);
  const abort = new AbortController();
  try {
    const pending = listAndWatch(api.http, { path: PATH, until: ready, deadline: Date.now() + 15_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    await assert.rejects(pending, (err: Error & { reason?: string }) => err.reason === 'Cancelled');
  } finally {
    api.server.close();
    api.server.closeAllConnections();
  }
});

test('lines: split across chunks, an over-long line dropped whole, the unterminated rest kept', async () => {
  const source = Readable.from(['{"a":', '1}\n', 'x'.repeat(50), 'y'.repeat(50), '\n', 'not json\n', '\n{"b":2}\n', 'tail'].map((s) => Buffer.from(s)));
  const lines: string[] = [];
  for await (const line of readLines(source, { maxLineChars: 80 })) lines.push(line);
  assert.deepEqual(lines, ['{"a":1}', 'not json', '', '{"b":2}', 'tail']);
  const values: unknown[] = [];
  for await (const v of readJsonLines(Readable.from(['{"a":1}\nnot json\n\n{"b":2}\n']))) values.push(v);
  assert.deepEqual(values, [{ a: 1 }, { b: 2 }]);
});

test('rollout status: kubectl\'s judgement and messages', () => {
  const d = (status: Record<string, unknown>, generation = 2, replicas = 3) => ({ metadata: { name: 'web', generation }, spec: { replicas }, status });
  assert.equal(deploymentRolloutStatus(d({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })).message, 'Waiting for deployment spec update to be observed...');
  assert.equal(deploymentRolloutStatus(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 3 })).message, 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
  assert.equal(deploymentRolloutStatus(d({ observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 })).message, 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...');
  assert.equal(deploymentRolloutStatus(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 })).message, 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...');
  const timedOut = deploymentRolloutStatus(d({ observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }));
  assert.deepEqual([timedOut.done, timedOut.failed, timedOut.message], [false, true, 'deployment "web" exceeded its progress deadline']);
  const done = deploymentRolloutStatus(d({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }));
  assert.deepEqual([done.done, done.message], [true, 'deployment "web" successfully rolled out']);
});
