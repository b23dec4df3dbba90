// Self reviews, answered by the same RBAC authorizer that authorizes requests: `kubectl auth can-i`
// (SelfSubjectAccessReview), `kubectl auth can-i --list` (SelfSubjectRulesReview: the rules the caller holds
// in a namespace) and `kubectl auth whoami` (SelfSubjectReview).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../resources.js';
import type { Identity } from '../auth.js';
import { badRequest, invalid, methodNotAllowed } from '../errors.js';
import { bodyFormat, decodeBody, readBody, sendJson } from '../http-io.js';
import { isPlainObject } from '../schema/structural.js';
import type { ResourceTarget } from '../routing.js';
import type { RbacAuthorizer } from '../rbac/authorizer.js';
import type { RequestAttributes } from '../rbac/request-attributes.js';

const review = (group: string, version: string, kind: string, plural: string): ResourceType => ({
  group, version, kind, plural, singular: kind.toLowerCase(), namespaced: false, shortNames: [], categories: [], verbs: ['create'], subresources: {},
});

export const REVIEW_TYPES: ResourceType[] = [
  review('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authorization.k8s.io', 'v1', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  review('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews'),
];

export function isReviewTarget(t: ResourceTarget): boolean {
  return REVIEW_TYPES.some((r) => r.group === t.group && r.version === t.version && r.plural === t.plural) && !t.name && !t.namespace;
}

const str = (o: Record<string, unknown>, k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');

/** SubjectAccessReview attributes → the authorizer's attributes (resourceAttributes or nonResourceAttributes). */
function reviewAttributes(identity: Identity, spec: Record<string, unknown>): RequestAttributes {
  const base = { user: identity, apiVersion: '', subresource: '', name: '', namespace: '', apiGroup: '', resource: '', path: '' };
  if (isPlainObject(spec.resourceAttributes)) {
    const r = spec.resourceAttributes;
    return {
      ...base, resourceRequest: true, verb: str(r, 'verb'), apiGroup: str(r, 'group'), apiVersion: str(r, 'version'), resource: str(r, 'resource'),
      subresource: str(r, 'subresource'), name: str(r, 'name'), namespace: str(r, 'namespace'),
    };
  }
  if (isPlainObject(spec.nonResourceAttributes)) {
    const n = spec.nonResourceAttributes;
    return { ...base, resourceRequest: false, verb: str(n, 'verb'), path: str(n, 'path') };
  }
  throw invalid('SelfSubjectAccessReview', 'authorization.k8s.io', '', [
    { reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified' },
  ]);
}

export async function handleReview(req: IncomingMessage, res: ServerResponse, target: ResourceTarget, identity: Identity, authorizer: RbacAuthorizer): Promise<void> {
  if (req.method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = decodeBody(await readBody(req), bodyFormat(req));
  if (!isPlainObject(body)) throw badRequest('expected an object');
  const apiVersion = `${target.group}/${target.version}`;
  const meta = { creationTimestamp: null };
  const spec = isPlainObject(body.spec) ? body.spec : {};
  switch (target.plural) {
    case 'selfsubjectreviews': {
      const userInfo: Record<string, unknown> = { username: identity.user, groups: identity.groups };
      if (identity.uid) userInfo.uid = identity.uid;
      return sendJson(res, 201, { kind: 'SelfSubjectReview', apiVersion, metadata: meta, status: { userInfo } });
    }
    case 'selfsubjectrulesreviews': {
      const namespace = str(spec, 'namespace');
      if (!namespace) throw badRequest('no namespace on request');
      const { rules, errors } = authorizer.rulesFor(identity, namespace);
      const resourceRules = rules.filter((r) => !r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
      const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
      const status: Record<string, unknown> = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
      if (errors.length) status.evaluationError = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
      return sendJson(res, 201, { kind: 'SelfSubjectRulesReview', apiVersion, metadata: meta, spec: { namespace }, status });
    }
    default: {
      const attrs = reviewAttributes(identity, spec);
      const decision = authorizer.authorize(attrs);
      const status: Record<string, unknown> = { allowed: decision.allowed };
      if (decision.reason) status.reason = decision.reason;
      return sendJson(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion, metadata: meta, spec, status });
    }
  }
}
