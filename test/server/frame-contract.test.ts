// The server checks its own answers against openapi/playground.yaml (tests and development): a frame that does not
// match — a wrong result, an event for an operation without events, an error whose status is not its reason's, a
// broken envelope — is recorded and replaced by an InternalError naming the mismatch. Checked on the checker
// itself, and through the real WebSocket and REST transports with a handler that answers wrongly on purpose.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadSpec } from '../../playground-server/api/spec.js';
import { FrameContract, validateResponsesByDefault } from '../../playground-server/api/frame-contract.js';
import { Dispatcher } from '../../playground-server/api/dispatcher.js';
import { WsTransport } from '../../playground-server/api/websocket.js';
import { RestTransport } from '../../playground-server/api/rest.js';
import { TokenBucketLimiter } from '../../playground-server/api/rate-limit.js';
import { ServerMetrics } from '../../playground-server/observability/metrics.js';
import { rest, WsClient } from './fixture.js';

const spec = loadSpec();
const silent = pino({ level: 'silent' });
const op = (id: string) => spec.operations.get(id as never)!;

test('the checker passes frames that match and replaces those that do not', () => {
  const c = new FrameContract(spec, silent);
  const good = { id: 'a', result: { items: [{ name: 'route-split', title: 'T', description: 'D' }] } };
  assert.equal(c.wsFrame(op('listChecks'), good), JSON.stringify(good));
  assert.equal(c.wsFrame(undefined, { id: null, error: { code: 400, reason: 'InvalidJson', message: 'not JSON' } }), '{"id":null,"error":{"code":400,"reason":"InvalidJson","message":"not JSON"}}');
  assert.equal(c.violations.length, 0);

  const cases: [string, () => string][] = [
    ['a result missing a required field', () => c.wsFrame(op('listChecks'), { id: 'a', result: { itemz: [] } })],
    ['a result that JSON drops (undefined)', () => c.wsFrame(op('listChecks'), { id: 'a', result: undefined })],
    ['an event for an operation without events', () => c.wsFrame(op('listChecks'), { id: 'a', event: { x: 1 } })],
    ['a createSession progress event off its schema', () => c.wsFrame(op('createSession'), { id: 'a', event: { phase: 'cooking', message: 'm' } })],
    ['an error whose status is not its reason\'s', () => c.wsFrame(op('listChecks'), { id: 'a', error: { code: 500, reason: 'NotFound', message: 'm' } })],
    ['a browser-only reason', () => c.wsFrame(op('listChecks'), { id: 'a', error: { code: 500, reason: 'Disconnected', message: 'm' } })],
    ['a reason outside the catalogue', () => c.wsFrame(op('listChecks'), { id: 'a', error: { code: 500, reason: 'Oops', message: 'm' } })],
    ['a result with a null id', () => c.wsFrame(op('listChecks'), { id: null, result: { items: [] } })],
    ['an extra envelope field', () => c.wsFrame(op('listChecks'), { id: 'a', result: { items: [] }, extra: 1 })],
    ['an NDJSON line with two keys', () => c.ndjsonLine(op('runTerminal'), { event: { stream: 'stdout', data: 'x' }, result: {} })],
    ['an NDJSON event off its schema', () => c.ndjsonLine(op('runTerminal'), { event: { stream: 'stdin', data: 'x' } })],
  ];
  for (const [name, send] of cases) {
    const seen: number = c.violations.length;
    const sent = JSON.parse(send()) as { error?: { code: number; reason: string; message: string } };
    assert.equal(c.violations.length, seen + 1, `${name}: recorded`);
    assert.deepEqual([sent.error?.code, sent.error?.reason], [500, 'InternalError'], `${name}: replaced`);
    assert.match(sent.error!.message, /does not match openapi\/playground\.yaml/);
  }
  // A REST answer: the body's code must be the HTTP status, the result must match.
  assert.equal(c.restAnswer(op('listChecks'), 200, JSON.stringify({ items: [] }), true), undefined);
  assert.equal(c.restAnswer(op('listChecks'), 404, JSON.stringify({ code: 400, reason: 'NotFound', message: 'm' }), true)?.reason, 'InternalError');
  assert.equal(c.restAnswer(op('listChecks'), 200, JSON.stringify({ items: 5 }), true)?.reason, 'InternalError');
  assert.equal(c.restAnswer(op('downloadKubeconfig'), 200, 'apiVersion: v1', false), undefined);
});

test('on by default only where asked: PLAYGROUND_VALIDATE_RESPONSES=1, or NODE_ENV=test', () => {
  assert.equal(validateResponsesByDefault({}), false);
  assert.equal(validateResponsesByDefault({ NODE_ENV: 'production' }), false);
  assert.equal(validateResponsesByDefault({ PLAYGROUND_VALIDATE_RESPONSES: '1' }), true);
  assert.equal(validateResponsesByDefault({ NODE_ENV: 'test' }), true);
  assert.equal(validateResponsesByDefault({ NODE_ENV: 'test', PLAYGROUND_VALIDATE_RESPONSES: '0' }), false);
});

// The real transports over a real socket, with a listChecks handler that breaks the contract.
let server: Server;
let url: string;
let contract: FrameContract;
let ws: WsTransport;

before(async () => {
  contract = new FrameContract(spec, silent);
  const dispatcher = new Dispatcher(spec, new ServerMetrics(false), silent);
  dispatcher.register('listChecks', async () => ({ items: 'not a list' }) as never);
  const common = { dispatcher, limiter: new TokenBucketLimiter(), resolveSession: async () => undefined, allowedOrigins: [], trust: { trustProxy: false }, log: silent, contract };
  const restTransport = new RestTransport(common);
  ws = new WsTransport({ ...common, metrics: new ServerMetrics(false), hostAllowed: () => true });
  server = createServer((req, res) => {
    if (!restTransport.handle(req, res)) res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  ws?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

test('a handler that answers off the spec fails over the WebSocket and over REST', async () => {
  const client = await WsClient.connect(url);
  try {
    const answer = await client.call('listChecks', undefined, { timeoutMs: 10_000 });
    assert.equal(answer.result, undefined);
    assert.deepEqual([answer.error?.code, answer.error?.reason], [500, 'InternalError'], JSON.stringify(answer));
    assert.match(answer.error.message, /listChecks does not match openapi\/playground\.yaml: result\.items: must be array/);
  } finally {
    await client.close();
  }
  const viaRest = await rest(url, 'GET', '/api/checks');
  assert.equal(viaRest.status, 500);
  assert.equal(viaRest.body.reason, 'InternalError');
  assert.deepEqual(contract.violations.map((v) => [v.transport, v.operationId]), [['ws', 'listChecks'], ['rest', 'listChecks']]);
});

test('every message received is checked against the WsRequest envelope', async () => {
  const client = await WsClient.connect(url);
  try {
    client.sendRaw(JSON.stringify({ id: 'x1', op: 'listChecks', cancel: true }));
    client.sendRaw(JSON.stringify({ id: 'x2', op: 'listChecks', params: 'text' }));
    client.sendRaw(JSON.stringify({ id: 'x3', cancel: 'yes' }));
    client.sendRaw(JSON.stringify({ id: 'x4', op: 'listChecks', extra: 1 }));
    client.sendRaw(JSON.stringify({ id: '', op: 'listChecks' }));
    assert.equal(await client.answerCount(5, 10_000), 5);
    const byId = new Map(client.orphans.map((f) => [f.id, f.error]));
    for (const id of ['x1', 'x2', 'x3', 'x4', null]) assert.equal(byId.get(id)?.reason, 'InvalidMessage', `${id}: ${JSON.stringify(byId.get(id))}`);
    assert.match(byId.get('x1').message, /cancel message/);
    assert.match(byId.get('x2').message, /"params" must be an object/);
    assert.match(byId.get('x3').message, /"cancel" must be true/);
    assert.match(byId.get('x4').message, /unknown message field/);
  } finally {
    await client.close();
  }
  // These refusals matched the spec themselves (only the two deliberate violations above are recorded).
  assert.equal(contract.violations.length, 2);
});
