// Request bodies built to exhaust the API server, sent as raw HTTPS requests: 20,000-deep JSON (arrays and
// objects), a YAML "billion laughs" alias bomb, 20,000-deep YAML, and a body over 3 MiB. Each is answered
// with a Status naming the limit (400 BadRequest, 413 RequestEntityTooLarge), never a 500, and the server keeps
// answering. The bundled-manifest parser refuses the alias bomb the same way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { MAX_NESTING_DEPTH, MAX_YAML_ALIAS_COUNT } from '../../sandbox/apiserver/body-limits.js';
import { MAX_BODY_BYTES } from '../../sandbox/apiserver/http-io.js';
import { StatusError } from '../../sandbox/apiserver/errors.js';
import { parseManifest } from '../../sandbox/manifests/load.js';
import { parseManifestText } from '../../playground-server/kube/apply.js';
import { ApiError } from '../../playground-server/api/errors.js';
import { ADMIN_TOKEN, startFixture, type Fixture } from './fixture.js';

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';

const BILLION_LAUGHS = `apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

describe('request body limits', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(async () => {
    await f?.close();
  });

  const healthy = async () => {
    const r = await f.request('GET', '/healthz', { token: null });
    assert.equal(r.status, 200);
    const list = await f.request('GET', CONFIGMAPS);
    assert.equal(list.status, 200);
  };

  test('20,000-deep JSON arrays and objects are 400 naming the depth limit', async () => {
    const bodies = [
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","labels":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`,
    ];
    for (const body of bodies) {
      const r = await f.request('POST', CONFIGMAPS, { body, contentType: 'application/json' });
      assert.equal(r.status, 400, r.text.slice(0, 300));
      const status = r.json();
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'BadRequest');
      assert.equal(status.message, `the request body is nested too deeply: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    }
    // The same nesting through a patch body.
    await f.request('POST', CONFIGMAPS, { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target' } }), contentType: 'application/json' });
    const patch = await f.request('PATCH', `${CONFIGMAPS}/target`, { body: `{"metadata":{"labels":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`, contentType: 'application/merge-patch+json' });
    assert.equal(patch.status, 400, patch.text.slice(0, 300));
    assert.match(patch.json().message, /exceeded max depth of 1000/);
    await healthy();
  });

  test('a YAML alias bomb and 20,000-deep YAML are 400', async () => {
    const bomb = await f.request('POST', CONFIGMAPS, { body: BILLION_LAUGHS, contentType: 'application/yaml' });
    assert.equal(bomb.status, 400, bomb.text.slice(0, 300));
    assert.equal(bomb.json().message, `error converting YAML to JSON: yaml: document contains excessive aliasing (more than ${MAX_YAML_ALIAS_COUNT} alias expansions)`);

    const applyBomb = await f.request('PATCH', `${CONFIGMAPS}/lol?fieldManager=test`, { body: BILLION_LAUGHS, contentType: 'application/apply-patch+yaml' });
    assert.equal(applyBomb.status, 400, applyBomb.text.slice(0, 300));

    const deep = await f.request('POST', CONFIGMAPS, { body: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`, contentType: 'application/yaml' });
    assert.equal(deep.status, 400, deep.text.slice(0, 300));
    assert.equal(deep.json().reason, 'BadRequest');
    await healthy();
  });

  test('a body over 3 MiB is 413 with upstream text', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { a: 'x'.repeat(MAX_BODY_BYTES) } });
    const r = await f.request('POST', CONFIGMAPS, { body, contentType: 'application/json' });
    assert.equal(r.status, 413);
    assert.equal(r.json().reason, 'RequestEntityTooLarge');
    assert.equal(r.json().message, 'Request entity too large: limit is 3145728');
    assert.equal(f.api.tryGet(f.api.type('', 'configmaps'), 'default', 'huge'), undefined);
    await healthy();
  });

  test('a chunked body (no Content-Length) that passes 3 MiB is 413 too', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest(`${f.url}${CONFIGMAPS}`, { method: 'POST', ca: f.ca, headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      const chunk = 'x'.repeat(256 * 1024);
      req.write('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"chunked"},"data":{"a":"');
      for (let i = 0; i < 16; i++) req.write(chunk); // 4 MiB
      req.end('"}}');
    });
    assert.equal(status, 413);
    assert.equal(JSON.parse(body).message, 'Request entity too large: limit is 3145728');
    await healthy();
  });

  test('parseManifest refuses an alias bomb with a 400 Status', () => {
    assert.throws(() => parseManifest(BILLION_LAUGHS), (err: unknown) => err instanceof StatusError && err.code === 400 && /excessive aliasing/.test(err.message));
  });

  test("the playground server's manifest parser refuses an alias bomb and deep nesting with 400", () => {
    assert.throws(() => parseManifestText(BILLION_LAUGHS), (err: unknown) => err instanceof ApiError && err.code === 400 && /too many YAML alias expansions; the limit is 50/.test(err.message));
    const deep = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'{a: '.repeat(1500)}1${'}'.repeat(1500)}\n`;
    assert.throws(() => parseManifestText(deep), (err: unknown) => err instanceof ApiError && err.code === 400);
  });
});
