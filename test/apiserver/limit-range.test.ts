// LimitRange through the real kubectl, against a whole sandbox with the mesh: containers without resources
// get the Container defaults (the injected sidecar too, since LimitRange admission runs after injection),
// pods outside min/max/maxLimitRequestRatio (per Container and per Pod) are refused with upstream's messages,
// and LimitRange objects are defaulted, validated and printed as a real API server does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SIDECAR_CONTAINER_NAME } from '../../sandbox/runtime/workload.js';
import { kubectlOk, kubectlRefused, startCluster, type ClusterFixture } from '../cluster/fixture.js';

const NS = 'limits';
const LIMIT_RANGE = `apiVersion: v1
kind: LimitRange
metadata: {name: playground-limits, namespace: ${NS}}
spec:
  limits:
  - type: Container
    default: {cpu: 200m, memory: 128Mi}
    defaultRequest: {cpu: 50m, memory: 64Mi}
    max: {cpu: "2", memory: 1Gi}
    maxLimitRequestRatio: {cpu: "25"}
  - type: Pod
    max: {memory: 1Gi}
`;

const pod = (name: string, containers: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${NS}}
spec:
  containers:
${containers}`;
const container = (name: string, resources: string) => `  - name: ${name}
    image: playground/httpbin:v1
    resources: ${resources}
`;

describe('LimitRange', () => {
  let c: ClusterFixture;
  const ok = (args: string[], input?: string) => kubectlOk(c, args, input);
  const refused = (args: string[], input?: string) => kubectlRefused(c, args, input);

  before(async () => {
    c = await startCluster();
    await ok(['create', 'namespace', NS]);
    await ok(['label', 'namespace', NS, 'mesh.playground.dev/inject=enabled']);
    await ok(['apply', '-f', '-'], LIMIT_RANGE);
  });
  after(async () => {
    await c?.close();
  });

  test('the LimitRange is defaulted like the API server does and printed like kubectl expects', async () => {
    const lr = JSON.parse(await ok(['get', 'limitrange', 'playground-limits', '-n', NS, '-o', 'json']));
    // defaultRequest is given; `default` for memory stays; Pod items get no defaults.
    assert.deepEqual(lr.spec.limits[0].default, { cpu: '200m', memory: '128Mi' });
    assert.deepEqual(lr.spec.limits[0].defaultRequest, { cpu: '50m', memory: '64Mi' });
    assert.equal(lr.spec.limits[1].default, undefined);
    const table = await ok(['get', 'limits', '-n', NS]);
    assert.match(table, /^NAME\s+CREATED AT\s*$/m, table);
    assert.match(table, /^playground-limits\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$/m, table);
    const described = await ok(['describe', 'limitrange', 'playground-limits', '-n', NS]);
    assert.match(described, /Container\s+cpu\s+-\s+2\s+50m\s+200m\s+25/, described);
  });

  test('containers without resources get the defaults, the injected sidecar included', async () => {
    await ok(['run', 'plain', '-n', NS, '--image=playground/httpbin:v1']);
    const names = (await ok(['get', 'pod', 'plain', '-n', NS, '-o', 'jsonpath={.spec.containers[*].name}'])).split(' ');
    assert.deepEqual(names.sort(), ['plain', SIDECAR_CONTAINER_NAME].sort());
    const app = JSON.parse(await ok(['get', 'pod', 'plain', '-n', NS, '-o', 'jsonpath={.spec.containers[?(@.name=="plain")].resources}']));
    assert.deepEqual(app, { limits: { cpu: '200m', memory: '128Mi' }, requests: { cpu: '50m', memory: '64Mi' } });
    const sidecar = JSON.parse(await ok(['get', 'pod', 'plain', '-n', NS, '-o', `jsonpath={.spec.containers[?(@.name=="${SIDECAR_CONTAINER_NAME}")].resources}`]));
    // The injector's own requests stay; the missing limits come from the LimitRange.
    assert.deepEqual(sidecar.limits, { cpu: '200m', memory: '128Mi' });
    assert.equal(typeof sidecar.requests.cpu, 'string');
    const annotation = await ok(['get', 'pod', 'plain', '-n', NS, '-o', 'jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}']);
    assert.match(annotation, /^LimitRanger plugin set: cpu, memory request for container plain; cpu, memory limit for container plain/);
  });

  test('a container over max is refused with upstream text', async () => {
    const err = await refused(['apply', '-f', '-'], pod('greedy', container('app', '{limits: {cpu: "4"}, requests: {cpu: "1"}}')));
    assert.equal(err, 'Error from server (Forbidden): error when creating "STDIN": pods "greedy" is forbidden: maximum cpu usage per Container is 2, but limit is 4');
  });

  test('maxLimitRequestRatio and the Pod-level sums are enforced', async () => {
    const ratio = await refused(['apply', '-f', '-'], pod('bursty', container('app', '{limits: {cpu: "2"}, requests: {cpu: 50m}}')));
    assert.match(ratio, /pods "bursty" is forbidden: cpu max limit to request ratio per Container is 25, but provided ratio is 40\.000000$/);
    const sum = await refused(['apply', '-f', '-'], pod('wide', container('a', '{limits: {memory: 600Mi}}') + container('b', '{limits: {memory: 600Mi}}')));
    // 600Mi + 600Mi + the sidecar's defaulted 128Mi.
    assert.match(sum, /pods "wide" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1328Mi$/);
  });

  test('an invalid LimitRange is refused', async () => {
    const err = await refused(['apply', '-f', '-'], `apiVersion: v1
kind: LimitRange
metadata: {name: upside-down, namespace: ${NS}}
spec:
  limits:
  - type: Container
    min: {cpu: "2"}
    max: {cpu: "1"}
`);
    assert.match(err, /spec\.limits\[0\]\.min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1/);
  });
});
