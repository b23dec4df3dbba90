// Watches over real sockets: resume from a resourceVersion, 410 for a compacted one, selector
// transitions, timeouts, and an informer from @kubernetes/client-node seeing add/modify/delete in order.
import { after, before, describe, test } from 'node:test';
import { readJsonLines } from '../../playground-server/kube/stream-lines.js';
import assert from 'node:assert/strict';
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { startFixture, ADMIN_TOKEN, type Fixture } from './fixture.js';
import * as m from './manifests.js';
import { EVENT_LOG_LIMIT } from '../../sandbox/apiserver/store.js';

let f: Fixture;
before(async () => {
  f = await startFixture({ namespaces: ['default', 'watched'] });
});
after(() => f.close());

interface WatchStream {
  events: { type: string; object: any }[];
  ended: Promise<void>;
  /** Resolves once `n` events have arrived (rejects after a bound). */
  waitFor(n: number): Promise<void>;
  close(): void;
}

/** Opens a raw watch request and collects its newline-delimited events. */
function openWatch(path: string): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = https.get(f.url + path, { ca: f.ca, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
      const events: WatchStream['events'] = [];
      const waiters: (() => void)[] = [];
      void (async () => {
        try {
          for await (const e of readJsonLines<WatchStream['events'][number]>(res)) {
            events.push(e);
            for (const w of waiters.splice(0)) w();
          }
        } catch {
          // closed by the test
        }
      })();
      const ended = new Promise<void>((r) => res.on('end', r).on('close', r));
      resolve({
        events,
        ended,
        waitFor(n) {
          return new Promise((ok, fail) => {
            const deadline = setTimeout(() => fail(new Error(`timed out waiting for ${n} events, got ${JSON.stringify(events.map((e) => e.type))}`)), 10_000);
            const check = () => {
              if (events.length >= n) { clearTimeout(deadline); ok(); } else waiters.push(check);
            };
            check();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

const configMaps = () => f.api.type('', 'configmaps');
const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'watched', labels }, data });

describe('watch', () => {
  test('resumes from a resourceVersion with the events after it, in order', async () => {
    f.api.create(configMaps(), cm('w1'));
    const list = await f.request('GET', '/api/v1/namespaces/watched/configmaps');
    const rv = list.json().metadata.resourceVersion;
    f.api.create(configMaps(), cm('w2'));
    f.api.update(configMaps(), { ...f.api.get(configMaps(), 'watched', 'w1'), data: { changed: 'yes' } });
    const w = await openWatch(`/api/v1/namespaces/watched/configmaps?watch=1&resourceVersion=${rv}`);
    f.api.delete(configMaps(), 'watched', 'w2');
    await w.waitFor(3);
    w.close();
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w2', 'MODIFIED w1', 'DELETED w2']);
    assert.equal(w.events[1].object.data.changed, 'yes');
  });

  test('the legacy /watch/ path and no resourceVersion start with ADDED for existing objects', async () => {
    const w = await openWatch('/api/v1/watch/namespaces/watched/configmaps?timeoutSeconds=5');
    await w.waitFor(1);
    w.close();
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1']);
  });

  test('a compacted resourceVersion yields an ERROR event with a 410 Expired Status', async () => {
    const rv = f.store.resourceVersion;
    for (let i = 0; i < EVENT_LOG_LIMIT * 1.3; i++) f.api.create(configMaps(), cm(`churn-${i}`));
    const w = await openWatch(`/api/v1/namespaces/watched/configmaps?watch=true&resourceVersion=${rv}`);
    await w.waitFor(1);
    await w.ended;
    assert.equal(w.events[0].type, 'ERROR');
    assert.equal(w.events[0].object.kind, 'Status');
    assert.equal(w.events[0].object.code, 410);
    assert.equal(w.events[0].object.reason, 'Expired');
    assert.match(w.events[0].object.message, /too old resource version/);
    f.api.list(configMaps(), 'watched').items.filter((o) => o.metadata.name!.startsWith('churn-')).forEach((o) => f.api.delete(configMaps(), 'watched', o.metadata.name!));
  });

  test('with a label selector, objects entering and leaving it are ADDED and DELETED', async () => {
    const rv = f.store.resourceVersion;
    const w = await openWatch(`/api/v1/namespaces/watched/configmaps?watch=1&labelSelector=tier%3Dfront&resourceVersion=${rv}`);
    f.api.create(configMaps(), cm('sel', { tier: 'back' }));
    f.api.update(configMaps(), { ...f.api.get(configMaps(), 'watched', 'sel'), metadata: { ...f.api.get(configMaps(), 'watched', 'sel').metadata, labels: { tier: 'front' } } });
    f.api.update(configMaps(), { ...f.api.get(configMaps(), 'watched', 'sel'), data: { x: '1' } });
    f.api.update(configMaps(), { ...f.api.get(configMaps(), 'watched', 'sel'), metadata: { ...f.api.get(configMaps(), 'watched', 'sel').metadata, labels: { tier: 'back' } } });
    await w.waitFor(3);
    w.close();
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  });

  test('timeoutSeconds ends the stream; bookmarks are accepted', async () => {
    const w = await openWatch('/api/v1/namespaces/watched/configmaps?watch=1&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=' + f.store.resourceVersion);
    await w.ended;
    assert.deepEqual(w.events, []);
  });

  test('watch as Table (kubectl get -w) sends one-row tables', async () => {
    const res = await new Promise<string>((resolve, reject) => {
      const req = https.get(`${f.url}/api/v1/namespaces/watched/configmaps?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dw1`, {
        ca: f.ca,
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
      }, (r) => { let s = ''; r.on('data', (c) => (s += c)); r.on('end', () => resolve(s)); });
      req.on('error', reject);
    });
    const event = JSON.parse(res.trim().split('\n')[0]);
    assert.equal(event.type, 'ADDED');
    assert.equal(event.object.kind, 'Table');
    assert.equal(event.object.rows.length, 1);
    assert.equal(event.object.rows[0].cells[0], 'w1');
  });
});

describe('@kubernetes/client-node informer', () => {
  test('sees add, update and delete of pods in order', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(f.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/watched/pods', () => core.listNamespacedPod({ namespace: 'watched' }));
    const seen: string[] = [];
    let notify: (() => void) | undefined;
    const record = (what: string) => (obj: k8s.V1Pod) => {
      seen.push(`${what} ${obj.metadata?.name} ${obj.metadata?.labels?.step ?? ''}`.trim());
      notify?.();
    };
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    const until = (n: number) => new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`informer saw only ${JSON.stringify(seen)}`)), 15_000);
      const check = () => { if (seen.length >= n) { clearTimeout(deadline); notify = undefined; resolve(); } };
      notify = check;
      check();
    });
    await informer.start();
    try {
      await core.createNamespacedPod({ namespace: 'watched', body: { ...m.pod('inf-1'), metadata: { name: 'inf-1', labels: { step: 'one' } } } });
      await until(1);
      await core.patchNamespacedPod({ namespace: 'watched', name: 'inf-1', body: { metadata: { labels: { step: 'two' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await until(2);
      await core.deleteNamespacedPod({ namespace: 'watched', name: 'inf-1' });
      await until(3);
    } finally {
      await informer.stop();
    }
    assert.deepEqual(seen, ['add inf-1 one', 'update inf-1 two', 'delete inf-1 two']);
  });
});
