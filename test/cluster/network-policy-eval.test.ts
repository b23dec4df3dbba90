// NetworkPolicy semantics (sandbox/runtime/network/network-policy.ts), against upstream's documented behaviour:
// isolation only by a policy of the right type, additive rules, peers by pod / namespace / both / ipBlock,
// ports by number, name, protocol and range, and policyTypes defaulting.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, defaultPolicyTypes, evaluate, type CompiledPolicy, type Endpoint, type NetworkPolicy, type NetworkPolicySpec } from '../../sandbox/runtime/network/network-policy.js';

const namespaces: Record<string, Record<string, string>> = {
  a: { 'kubernetes.io/metadata.name': 'a', team: 'blue' },
  b: { 'kubernetes.io/metadata.name': 'b', team: 'red' },
};
const pod = (ns: string, ip: string, labels: Record<string, string>, ports: { name?: string; containerPort: number; protocol?: string }[] = []): Endpoint => ({ ip, pod: { namespace: ns, labels, ports } });
const web = pod('b', '127.1.0.10', { app: 'web' }, [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9090 }]);
const dbB = pod('b', '127.1.0.11', { app: 'db' });
const clientA = pod('a', '127.1.0.20', { app: 'client' });
const clientB = pod('b', '127.1.0.21', { app: 'client' });
const outsider: Endpoint = { ip: '10.0.0.7' };

function decide(policies: { ns: string; spec: NetworkPolicySpec }[], src: Endpoint, dst: Endpoint, port: number, protocol = 'TCP') {
  const compiled: CompiledPolicy[] = policies.map((p, i) => compilePolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `p${i}`, namespace: p.ns }, spec: p.spec } as NetworkPolicy));
  return evaluate(src, dst, port, (ns) => compiled.filter((p) => p.namespace === ns), (ns) => namespaces[ns], protocol);
}
const allowed = (...args: Parameters<typeof decide>) => decide(...args).allowed;

describe('NetworkPolicy evaluation', () => {
  test('no policy selects the pod: everything is allowed (pods are non-isolated by default)', () => {
    assert.equal(allowed([], clientA, web, 8080), true);
    assert.equal(allowed([{ ns: 'b', spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [] } }], clientA, web, 8080), true);
  });

  test('the session default: ingress from podSelector {} admits only the namespace’s own pods', () => {
    const sameNs = [{ ns: 'b', spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] } }];
    assert.equal(allowed(sameNs, clientB, web, 8080), true);
    assert.deepEqual(decide(sameNs, clientA, web, 8080), { allowed: false, deniedBy: 'ingress' });
    assert.equal(allowed(sameNs, outsider, web, 8080), false);
  });

  test('an empty ingress list isolates and admits nothing; a rule with no from admits everyone', () => {
    assert.equal(allowed([{ ns: 'b', spec: { podSelector: {}, ingress: [] } }], clientB, web, 8080), false);
    assert.equal(allowed([{ ns: 'b', spec: { podSelector: {}, ingress: [{}] } }], outsider, web, 8080), true);
  });

  test('rules of several policies add up', () => {
    const policies = [
      { ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } },
      { ns: 'b', spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }] } },
    ];
    assert.equal(allowed(policies, clientA, web, 8080), true);
    assert.equal(allowed(policies, clientA, dbB, 5432), false);
  });

  test('namespaceSelector alone, podSelector alone, and both in one peer (AND) versus two peers (OR)', () => {
    const byNamespace = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'a' } } }] }] } }];
    assert.equal(allowed(byNamespace, clientA, web, 8080), true);
    assert.equal(allowed(byNamespace, clientB, web, 8080), false);
    const podOnly = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] } }];
    assert.equal(allowed(podOnly, clientB, web, 8080), true);
    assert.equal(allowed(podOnly, clientA, web, 8080), false, 'a podSelector alone means the policy’s own namespace');
    const both = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } }, podSelector: { matchLabels: { app: 'db' } } }] }] } }];
    assert.equal(allowed(both, clientA, web, 8080), false);
    const either = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }, { podSelector: { matchLabels: { app: 'db' } } }] }] } }];
    assert.equal(allowed(either, clientA, web, 8080), true);
    assert.equal(allowed(either, dbB, web, 8080), true);
    assert.equal(allowed(either, clientB, web, 8080), false);
    const expressions = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn' as const, values: ['red'] }] } }] }] } }];
    assert.equal(allowed(expressions, clientA, web, 8080), true);
    assert.equal(allowed(expressions, clientB, web, 8080), false);
  });

  test('ipBlock with except matches addresses, including pods’, and never matches through selectors', () => {
    const block = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.0.0/24'] } }] }] } }];
    assert.equal(allowed(block, { ip: '10.1.2.3' }, web, 8080), true);
    assert.equal(allowed(block, outsider, web, 8080), false, '10.0.0.7 is in the except range');
    assert.equal(allowed(block, clientA, web, 8080), false);
    const pods = [{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '127.1.0.16/28' } }] }] } }];
    assert.equal(allowed(pods, clientA, web, 8080), true);
    assert.equal(allowed(pods, { ip: '127.1.0.40' }, web, 8080), false);
    assert.equal(allowed([{ ns: 'b', spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } }], outsider, web, 8080), false, 'selectors match pods only');
  });

  test('ports: number, named container port, protocol, and endPort ranges', () => {
    const only = (ports: NetworkPolicySpec['ingress']) => [{ ns: 'b', spec: { podSelector: {}, ingress: ports } }];
    assert.equal(allowed(only([{ ports: [{ port: 8080 }] }]), clientA, web, 8080), true);
    assert.equal(allowed(only([{ ports: [{ port: 8080 }] }]), clientA, web, 9090), false);
    assert.equal(allowed(only([{ ports: [{ port: 'http' }] }]), clientA, web, 8080), true);
    assert.equal(allowed(only([{ ports: [{ port: 'http' }] }]), clientA, web, 9090), false);
    assert.equal(allowed(only([{ ports: [{ port: 'metrics', protocol: 'TCP' }] }]), clientA, web, 9090), true);
    assert.equal(allowed(only([{ ports: [{ port: 8080, protocol: 'UDP' }] }]), clientA, web, 8080), false);
    assert.equal(allowed(only([{ ports: [{ port: 8000, endPort: 8100 }] }]), clientA, web, 8080), true);
    assert.equal(allowed(only([{ ports: [{ port: 8000, endPort: 8050 }] }]), clientA, web, 8080), false);
    assert.equal(allowed(only([{ ports: [{ protocol: 'TCP' }] }]), clientA, web, 1234), true, 'a port entry without port means every port of the protocol');
    assert.equal(allowed(only([{ ports: [{ port: 8080 }], from: [{ podSelector: {} }] }]), clientA, web, 8080), false, 'ports and peers must both match');
  });

  test('egress: the source pod’s policies must admit the destination too; the destination’s named port counts', () => {
    const denyAll = [{ ns: 'a', spec: { podSelector: {}, policyTypes: ['Egress'] } }];
    assert.deepEqual(decide(denyAll, clientA, web, 8080), { allowed: false, deniedBy: 'egress' });
    const toB = [{ ns: 'a', spec: { podSelector: {}, egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'red' } } }], ports: [{ port: 'http' }] }] } }];
    assert.equal(allowed(toB, clientA, web, 8080), true);
    assert.equal(allowed(toB, clientA, web, 9090), false);
    assert.equal(allowed(toB, clientA, { ip: '127.2.0.9' }, 8080), false, 'an address that is not a pod of B');
    const ingressOnly = [{ ns: 'a', spec: { podSelector: {}, ingress: [] } }];
    assert.equal(allowed(ingressOnly, clientA, web, 8080), true, 'an Ingress-only policy does not isolate egress');
  });

  test('policyTypes default as the API server sets them: Ingress always, Egress when egress rules exist', () => {
    assert.deepEqual(defaultPolicyTypes({ podSelector: {} }), ['Ingress']);
    assert.deepEqual(defaultPolicyTypes({ podSelector: {}, egress: [{}] }), ['Ingress', 'Egress']);
    assert.deepEqual(defaultPolicyTypes({ podSelector: {}, policyTypes: ['Egress'], ingress: [] }), ['Egress']);
    // Egress rules without an explicit policyTypes also isolate ingress (upstream's defaulting).
    assert.equal(allowed([{ ns: 'b', spec: { podSelector: {}, egress: [{}] } }], clientA, web, 8080), false);
    // policyTypes [Egress] with ingress rules: the ingress rules are ignored.
    assert.equal(allowed([{ ns: 'b', spec: { podSelector: {}, policyTypes: ['Egress'], ingress: [] } }], clientA, web, 8080), true);
  });
});
