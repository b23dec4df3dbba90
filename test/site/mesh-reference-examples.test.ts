// Every worked example of the mesh reference applies cleanly to a sandbox, with the real kubectl: accepted (schema,
// CEL rules and admission pass), no `Warning:` line (nothing in it is a field the sandbox mesh ignores), and a route
// example's status says Accepted=True and ResolvedRefs=True for its parent — in a namespace holding bookinfo's and
// emojivoto's Services and ServiceAccounts (the objects the examples name; no pods are needed for any of this).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, kubectlOk, waitFor, type ClusterFixture } from '../cluster/fixture.ts';
import { parseReferenceExample, type ReferenceExample } from '../../site/src/lib/reference/examples.ts';

const EXAMPLES = fileURLToPath(new URL('../../site/src/data/reference-examples', import.meta.url));
const NS = 'reference-examples';

const examples: ReferenceExample[] = readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => parseReferenceExample(f.split('\\').join('/'), readFileSync(join(EXAMPLES, f), 'utf8')));

const service = (name: string, app: string, port: number, extra = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${app}${extra}
  ports:
  - name: http
    port: ${port}
`;
const serviceAccount = (name: string) => `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`;

/** What the examples refer to: bookinfo's reviews Services (apex and per version), emojivoto's voting, their identities. */
const WORLD = [
  service('reviews', 'reviews', 9080),
  service('reviews-v1', 'reviews', 9080, '\n    version: v1'),
  service('reviews-v2', 'reviews', 9080, '\n    version: v2'),
  service('voting-svc', 'voting-svc', 8080),
  service('voting-svc-canary', 'voting-svc', 8080, '\n    version: canary'),
  serviceAccount('bookinfo-reviews'),
  serviceAccount('bookinfo-productpage'),
].join('---\n');

let c: ClusterFixture | undefined;

test.before(async () => {
  c = await startCluster();
  await kubectlOk(c, ['create', 'namespace', NS]);
  await kubectlOk(c, ['apply', '-n', NS, '-f', '-'], WORLD);
});

test.after(async () => {
  await c?.close();
});

test('the examples cover the kinds lessons teach', () => {
  const kinds = new Set(examples.map((e) => `${e.group}/${e.kind}`));
  for (const k of ['gateway.networking.k8s.io/HTTPRoute', 'gateway.networking.k8s.io/GRPCRoute', 'split.smi-spec.io/TrafficSplit', 'networking.istio.io/VirtualService', 'networking.istio.io/DestinationRule', 'security.istio.io/AuthorizationPolicy', 'policy.linkerd.io/Server', 'policy.linkerd.io/HTTPRoute']) {
    assert.ok(kinds.has(k), `an example of ${k}`);
  }
});

test('every example applies without an error or a warning', { timeout: 120_000 }, async () => {
  // One kubectl run for all (each example is its own document): kubectl names the object in any error or Warning line.
  const r = await c!.kubectl(['apply', '-n', NS, '-f', '-'], { input: examples.map((e) => e.yaml).join('---\n') });
  assert.equal(r.code, 0, `kubectl apply failed: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Warning:/, 'the sandbox warns about a field it ignores');
  for (const e of examples) {
    assert.match(r.stdout, new RegExp(`^${e.kind.toLowerCase()}\\.[a-z0-9.-]*/${e.name} (created|configured)$`, 'm'), `${e.key} was not applied: ${r.stdout}`);
  }
});

test('route examples are accepted by their parent Service with every backend resolved', { timeout: 60_000 }, async () => {
  const routes = examples.filter((e) => e.group === 'gateway.networking.k8s.io');
  assert.ok(routes.length >= 3);
  for (const e of routes) {
    await waitFor(`${e.key} Accepted=True and ResolvedRefs=True`, async () => {
      const obj = JSON.parse(await kubectlOk(c!, ['get', '-n', NS, `${e.kind.toLowerCase()}.${e.group}`, e.name, '-o', 'json'])) as {
        status?: { parents?: { conditions?: { type: string; status: string }[] }[] };
      };
      const conds = obj.status?.parents?.[0]?.conditions ?? [];
      const is = (type: string) => conds.some((x) => x.type === type && x.status === 'True');
      return is('Accepted') && is('ResolvedRefs');
    });
  }
});

test('an example with an invalid value is refused with the CRD\'s own message (the check above can fail)', async () => {
  const split = examples.find((e) => e.key === 'gateway.networking.k8s.io/httproute/split-reviews')!;
  const r = await c!.kubectl(['apply', '-n', NS, '-f', '-'], { input: split.yaml.replace('weight: 10', 'weight: -1') });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /spec\.rules\[0\]\.backendRefs\[1\]\.weight: Invalid value: -1/);
});
