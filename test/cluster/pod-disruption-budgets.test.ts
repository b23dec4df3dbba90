// policy/v1 PodDisruptionBudget as the real kubectl meets it: discovered under its short name, applied
// server-side, printed with upstream's columns, and refused with upstream's messages when its bounds are wrong.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlOk, kubectlRefused, startCluster, type ClusterFixture } from './fixture.js';

let c: ClusterFixture;
before(async () => {
  c = await startCluster();
});
after(() => c.close());

const pdb = (name: string, spec: string) => `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
  namespace: default
spec:
${spec}
  selector:
    matchLabels: {app: web}
`;

test('kubectl api-resources lists poddisruptionbudgets (pdb) in policy/v1, namespaced; kubectl explain describes it', async () => {
  const out = await kubectlOk(c, ['api-resources', '--api-group=policy', '--no-headers']);
  assert.match(out, /^poddisruptionbudgets\s+pdb\s+policy\/v1\s+true\s+PodDisruptionBudget$/m);
  const explain = await kubectlOk(c, ['explain', 'pdb']);
  assert.match(explain, /^GROUP:\s+policy\nKIND:\s+PodDisruptionBudget\nVERSION:\s+v1$/m);
  assert.match(explain.replace(/\s+/g, ' '), /PodDisruptionBudget is an object to define the max disruption that can be caused to a collection of pods/);
});

test('a server-side applied PDB prints NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE', async () => {
  await kubectlOk(c, ['apply', '--server-side', '-f', '-'], pdb('web-min', '  minAvailable: 1'));
  await kubectlOk(c, ['apply', '--server-side', '-f', '-'], pdb('web-max', '  maxUnavailable: 25%'));
  const out = await kubectlOk(c, ['get', 'pdb', '-n', 'default']);
  const [header, ...rows] = out.trim().split('\n');
  assert.deepEqual(header.split(/\s{2,}/), ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
  assert.match(rows.find((r) => r.startsWith('web-min '))!, /^web-min\s+1\s+N\/A\s+0\s+\d+s$/);
  assert.match(rows.find((r) => r.startsWith('web-max '))!, /^web-max\s+N\/A\s+25%\s+0\s+\d+s$/);
  // The status a disruption controller has not computed yet: every count zero, as upstream creates it.
  const status = JSON.parse(await kubectlOk(c, ['get', 'pdb', 'web-min', '-n', 'default', '-o', 'jsonpath={.status}'])) as Record<string, unknown>;
  assert.deepEqual(status, { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
});

test('minAvailable and maxUnavailable together are refused, as the API server words it', async () => {
  const err = await kubectlRefused(c, ['apply', '--server-side', '-f', '-'], pdb('both', '  minAvailable: 1\n  maxUnavailable: 1'));
  assert.match(err, /PodDisruptionBudget "both" is invalid: spec\.minAvailable: Invalid value: 1: minAvailable and maxUnavailable cannot be both set/);
});

test('a percentage over 100% and a malformed one are refused with upstream\'s messages', async () => {
  const over = await kubectlRefused(c, ['create', '-f', '-'], pdb('over', '  minAvailable: 150%'));
  assert.match(over, /spec\.minAvailable: Invalid value: intstr\.IntOrString\{Type:1, IntVal:0, StrVal:"150%"\}: must not be greater than 100%/);
  const malformed = await kubectlRefused(c, ['create', '-f', '-'], pdb('malformed', '  maxUnavailable: half'));
  assert.match(malformed, /spec\.maxUnavailable: Invalid value: .*a valid percent string must be a numeric string followed by an ending '%'/);
  const negative = await kubectlRefused(c, ['create', '-f', '-'], pdb('negative', '  minAvailable: -1'));
  assert.match(negative, /spec\.minAvailable: Invalid value: -1: must be greater than or equal to 0/);
  const none = await kubectlOk(c, ['get', 'pdb', '-n', 'default', '-o', 'name']);
  assert.doesNotMatch(none, /over|malformed|negative/, 'nothing refused was stored');
});

test('kubectl create poddisruptionbudget (a protobuf body) makes the same object', async () => {
  assert.match(await kubectlOk(c, ['create', 'poddisruptionbudget', 'web-cli', '-n', 'default', '--selector=app=web', '--max-unavailable=1']), /poddisruptionbudget\.policy\/web-cli created/);
  const spec = JSON.parse(await kubectlOk(c, ['get', 'pdb', 'web-cli', '-n', 'default', '-o', 'jsonpath={.spec}'])) as Record<string, unknown>;
  assert.deepEqual(spec, { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } });
});
