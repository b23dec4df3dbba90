// Istio's AuthorizationPolicy (security.istio.io v1/v1beta1) compiled once per stored object into predicates over a
// request: rules[] are ORed; in a rule, from[] (any), to[] (any) and when[] (all) are ANDed; in a source or an operation
// every set field must match, a field matching when any of its values does and a `not…` field when none does — the
// semantics of istio.io's AuthorizationPolicy reference and pilot/pkg/security/authz/model. Stored objects are never
// mutated (a change stores a new object), so the compiled form is cached by object identity and shared by every
// namespace that sees it (root-namespace policies are seen by all).
import type { KubeObject } from '../../../apiserver/store.js';
import type { InboundRequestFacts } from '../../config/inbound-policy.js';
import { anyOfStrings, ipBlock, type ValueTest } from './authz-value-match.js';

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** A request as the policy sees it: the inbound facts plus the peer's principal (`cluster.local/ns/<ns>/sa/<sa>`). */
export interface AuthzFacts extends InboundRequestFacts {
  /** The SPIFFE id without `spiffe://`; '' over plaintext (no certificate, no principal). */
  principal: string;
  /** The namespace of the principal; '' over plaintext. */
  sourceNamespace: string;
  /** The serving pod's IP (`destination.ip`). */
  destinationIP: string;
}

export type RequestTest = (r: AuthzFacts) => boolean;

export interface CompiledAuthzPolicy {
  namespace: string;
  name: string;
  action: AuthzAction;
  /** `selector.matchLabels`; undefined = every workload the policy's namespace covers. */
  selector?: Record<string, string>;
  /** `istio.io/dry-run: "true"`: evaluated by Istio only into logs and stats, never enforced. */
  dryRun: boolean;
  /** Why the policy does not apply to sidecars at all (targetRef/targetRefs name gateways or waypoints). */
  notForSidecars?: string;
  /** Rules in order; empty = the policy matches no request (an ALLOW policy then allows nothing). */
  rules: RequestTest[];
  creationTimestamp: string;
  /** What the sandbox could not honour in this object (reported by the namespace it lives in). */
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const cache = new WeakMap<KubeObject, CompiledAuthzPolicy>();

export function compileAuthorizationPolicy(obj: KubeObject): CompiledAuthzPolicy {
  let compiled = cache.get(obj);
  if (!compiled) cache.set(obj, (compiled = compile(obj)));
  return compiled;
}

/** The problems of an object not (yet) stored, e.g. at admission: compiled without caching (the object may still change). */
export function authorizationPolicyProblems(obj: KubeObject): string[] {
  return compile(obj).problems;
}

function compile(obj: KubeObject): CompiledAuthzPolicy {
  const namespace = obj.metadata.namespace ?? '';
  const name = obj.metadata.name ?? '';
  const where = `AuthorizationPolicy ${namespace}/${name}`;
  const problems: string[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  const rawAction = typeof spec.action === 'string' ? spec.action : 'ALLOW';
  const action: AuthzAction = rawAction === 'DENY' || rawAction === 'AUDIT' || rawAction === 'CUSTOM' ? rawAction : 'ALLOW';
  if (rawAction !== action) problems.push(`${where}: action ${JSON.stringify(rawAction)} is not one of ALLOW, DENY, AUDIT, CUSTOM; treated as ALLOW`);
  if (action === 'CUSTOM')
    // Istio with no usable extension provider "will generate deny configs" for a CUSTOM policy
    // (pilot/pkg/security/authz/builder/builder.go, testdata custom-bad-out.yaml): its rules deny. So does the sandbox.
    problems.push(`${where}: action CUSTOM needs an external authorizer (meshConfig extensionProviders), which the sandbox mesh does not have; as Istio does without a provider, requests matching its rules are denied`);
  const selector = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? (Object.fromEntries(Object.entries(spec.selector.matchLabels).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : undefined;
  const notForSidecars = spec.targetRef !== undefined || spec.targetRefs !== undefined
    ? 'targetRef/targetRefs attach a policy to a Gateway or a waypoint, never to sidecars; the sandbox mesh has neither, so this policy applies to no workload'
    : undefined;
  if (notForSidecars) problems.push(`${where}: ${notForSidecars}`);
  if (spec.provider !== undefined && action !== 'CUSTOM') problems.push(`${where}: provider is only used with action CUSTOM; ignored`);
  const rules = (Array.isArray(spec.rules) ? spec.rules : []).map((rule, i) => compileRule(rule, action, `${where} rules[${i}]`, problems));
  return {
    namespace,
    name,
    action,
    selector: selector && Object.keys(selector).length ? selector : undefined,
    dryRun: obj.metadata.annotations?.['istio.io/dry-run'] === 'true',
    notForSidecars,
    rules,
    creationTimestamp: obj.metadata.creationTimestamp ?? '',
    problems,
  };
}

/** A test that cannot be evaluated: an ALLOW rule then never matches, a DENY (or CUSTOM) rule always does — fail closed, as Istio drops unsupported ALLOW rules and widens DENY ones. */
const unsupported = (action: AuthzAction): RequestTest => (action === 'ALLOW' || action === 'AUDIT' ? () => false : () => true);

function compileRule(rule: unknown, action: AuthzAction, where: string, problems: string[]): RequestTest {
  if (!isObj(rule)) return () => true;
  const parts: RequestTest[] = [];
  const from = Array.isArray(rule.from) ? rule.from : [];
  if (from.length) parts.push(any(from.map((f, i) => compileSource(isObj(f) && isObj(f.source) ? f.source : {}, action, `${where}.from[${i}].source`, problems))));
  const to = Array.isArray(rule.to) ? rule.to : [];
  if (to.length) parts.push(any(to.map((t) => compileOperation(isObj(t) && isObj(t.operation) ? t.operation : {}))));
  for (const [i, c] of (Array.isArray(rule.when) ? rule.when : []).entries()) parts.push(compileCondition(isObj(c) ? c : {}, action, `${where}.when[${i}]`, problems));
  return all(parts);
}

function all(tests: RequestTest[]): RequestTest {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  return (r) => {
    for (const t of tests) if (!t(r)) return false;
    return true;
  };
}

function any(tests: RequestTest[]): RequestTest {
  if (tests.length === 1) return tests[0];
  return (r) => {
    for (const t of tests) if (t(r)) return true;
    return false;
  };
}

/** `field` (any value matches) and `notField` (no value matches) over one attribute of the request. */
function field(positive: unknown, negative: unknown, value: (r: AuthzFacts) => string, make: (values: string[]) => ValueTest, out: RequestTest[]): void {
  const pos = strings(positive);
  const neg = strings(negative);
  if (pos.length) {
    const t = make(pos);
    out.push((r) => t(value(r)));
  }
  if (neg.length) {
    const t = make(neg);
    out.push((r) => !t(value(r)));
  }
}

function ipList(values: string[], where: string, problems: string[]): ValueTest {
  const tests = values.flatMap((v) => {
    const t = ipBlock(v);
    if (!t) problems.push(`${where}: ${JSON.stringify(v)} is not an IPv4 address or CIDR (pods in the sandbox have IPv4 addresses only); it matches nothing`);
    return t ? [t] : [];
  });
  return (v) => tests.some((t) => t(v));
}

const principalOf = (r: AuthzFacts) => r.principal;
const namespaceOf = (r: AuthzFacts) => r.sourceNamespace;
const sourceIPOf = (r: AuthzFacts) => r.sourceIP;
const trustDomainOf = (r: AuthzFacts) => (r.principal ? r.principal.slice(0, r.principal.indexOf('/')) : '');
// No RequestAuthentication (JWT) in the sandbox: a request never carries a request principal, as in Istio without one.
const noRequestPrincipal = () => '';

function compileSource(s: Obj, action: AuthzAction, where: string, problems: string[]): RequestTest {
  const out: RequestTest[] = [];
  field(s.principals, s.notPrincipals, principalOf, (v) => anyOfStrings(v), out);
  field(s.namespaces, s.notNamespaces, namespaceOf, (v) => anyOfStrings(v), out);
  field(s.trustDomains, s.notTrustDomains, trustDomainOf, (v) => anyOfStrings(v), out);
  field(s.requestPrincipals, s.notRequestPrincipals, noRequestPrincipal, (v) => anyOfStrings(v), out);
  if (s.requestPrincipals !== undefined || s.notRequestPrincipals !== undefined)
    problems.push(`${where}: requestPrincipals / notRequestPrincipals need RequestAuthentication (JWT), which the sandbox mesh does not support: no request has a request principal (requestPrincipals never match, notRequestPrincipals always do)`);
  // remoteIpBlocks use X-Forwarded-For only where trusted hops are configured (gateways); at a sidecar the remote
  // address is the peer's, as for ipBlocks.
  field(s.ipBlocks, s.notIpBlocks, sourceIPOf, (v) => ipList(v, where, problems), out);
  field(s.remoteIpBlocks, s.notRemoteIpBlocks, sourceIPOf, (v) => ipList(v, where, problems), out);
  for (const k of ['serviceAccounts', 'notServiceAccounts']) {
    if (s[k] !== undefined) {
      problems.push(`${where}.${k} is not supported by the sandbox mesh; use principals ("cluster.local/ns/<ns>/sa/<sa>")`);
      out.push(unsupported(action));
    }
  }
  return all(out);
}

/** `hosts` match the Host / :authority case-insensitively, with or without its port (Istio ≥ 1.11). */
function hostTest(values: string[]): ValueTest {
  const t = anyOfStrings(values, true);
  return (authority) => {
    if (t(authority)) return true;
    const colon = authority.lastIndexOf(':');
    return colon > 0 && !authority.endsWith(']') && t(authority.slice(0, colon));
  };
}

function compileOperation(o: Obj): RequestTest {
  const out: RequestTest[] = [];
  field(o.hosts, o.notHosts, (r) => r.authority, hostTest, out);
  field(o.ports, o.notPorts, (r) => String(r.port), (v) => anyOfStrings(v), out);
  field(o.methods, o.notMethods, (r) => r.method, (v) => anyOfStrings(v), out);
  field(o.paths, o.notPaths, (r) => r.path, (v) => anyOfStrings(v), out);
  return all(out);
}

function headerValue(r: AuthzFacts, name: string): string {
  const v = r.headers[name];
  return v === undefined ? '' : Array.isArray(v) ? v.join(',') : v;
}

/** `when[]`: one condition on a key; `values` (any matches) and `notValues` (none matches). */
function compileCondition(c: Obj, action: AuthzAction, where: string, problems: string[]): RequestTest {
  const key = typeof c.key === 'string' ? c.key : '';
  const out: RequestTest[] = [];
  const strs = (v: string[]) => anyOfStrings(v);
  const ips = (v: string[]) => ipList(v, where, problems);
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    const name = header[1].toLowerCase();
    field(c.values, c.notValues, (r) => headerValue(r, name), strs, out);
  } else if (key === 'source.ip' || key === 'remote.ip') field(c.values, c.notValues, sourceIPOf, ips, out);
  else if (key === 'source.namespace') field(c.values, c.notValues, namespaceOf, strs, out);
  else if (key === 'source.principal') field(c.values, c.notValues, principalOf, strs, out);
  else if (key === 'destination.port') field(c.values, c.notValues, (r) => String(r.port), strs, out);
  else if (key === 'destination.ip') field(c.values, c.notValues, (r) => r.destinationIP, ips, out);
  else if (key.startsWith('request.auth.')) {
    field(c.values, c.notValues, noRequestPrincipal, strs, out);
    problems.push(`${where}: key ${JSON.stringify(key)} needs RequestAuthentication (JWT), which the sandbox mesh does not support: the value is never present`);
  }
  else {
    problems.push(`${where}: key ${JSON.stringify(key)} is not supported by the sandbox mesh (supported: request.headers[<name>], source.ip, remote.ip, source.namespace, source.principal, destination.ip, destination.port, request.auth.* without JWT); ${action === 'ALLOW' || action === 'AUDIT' ? 'the rule never matches' : 'the condition always matches (fail closed)'}`);
    return unsupported(action);
  }
  return all(out);
}
