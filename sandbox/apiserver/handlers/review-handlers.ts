// Self reviews: `kubectl auth can-i` (SelfSubjectAccessReview) and `kubectl auth whoami`
// (SelfSubjectReview), answered from the caller's identity with the same rule that authorizes requests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceRegistry, ResourceType } from '../resources.js';
import { authorize, type Identity } from '../auth.js';
import { badRequest, methodNotAllowed, StatusError } from '../errors.js';
import { bodyFormat, decodeBody, readBody, sendJson } from '../http-io.js';
import { isPlainObject } from '../schema/structural.js';
import type { ResourceTarget } from '../routing.js';

const review = (group: string, version: string, kind: string, plural: string): ResourceType => ({
  group, version, kind, plural, singular: kind.toLowerCase(), namespaced: false, shortNames: [], categories: [], verbs: ['create'], subresources: {},
});

export const REVIEW_TYPES: ResourceType[] = [
  review('authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  review('authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews'),
];

export function isReviewTarget(t: ResourceTarget): boolean {
  return REVIEW_TYPES.some((r) => r.group === t.group && r.version === t.version && r.plural === t.plural) && !t.name && !t.namespace;
}

function canI(identity: Identity, registry: ResourceRegistry, attrs: Record<string, unknown>): { allowed: boolean; reason?: string } {
  const str = (k: string) => (typeof attrs[k] === 'string' ? (attrs[k] as string) : '');
  const verb = str('verb');
  const group = str('group');
  const resource = str('resource');
  if (!verb || !resource) throw badRequest('spec.resourceAttributes: verb and resource are required');
  if (identity.namespaces === '*') return { allowed: true };
  if (verb === '*' || resource === '*') return { allowed: false, reason: 'a namespace-scoped identity has no wildcard permissions' };
  const type = registry.types.find((t) => t.group === group && t.plural === resource);
  const namespace = str('namespace') || undefined;
  try {
    authorize(identity, { verb, group, plural: resource, subresource: str('subresource') || undefined, namespace, namespaced: type?.namespaced ?? true, name: str('name') || undefined });
    return { allowed: true };
  } catch (err) {
    if (err instanceof StatusError && err.code === 403) return { allowed: false };
    throw err;
  }
}

export async function handleReview(req: IncomingMessage, res: ServerResponse, target: ResourceTarget, identity: Identity, registry: ResourceRegistry): Promise<void> {
  if (req.method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const body = decodeBody(await readBody(req), bodyFormat(req));
  if (!isPlainObject(body)) throw badRequest('expected an object');
  const apiVersion = `${target.group}/${target.version}`;
  const meta = { creationTimestamp: null };
  if (target.plural === 'selfsubjectreviews') {
    const groups = ['system:authenticated', ...(identity.namespaces === '*' ? ['system:masters'] : identity.namespaces.map((n) => `sandbox:namespace:${n}`))];
    return sendJson(res, 201, { kind: 'SelfSubjectReview', apiVersion, metadata: meta, status: { userInfo: { username: identity.user, groups } } });
  }
  const spec = isPlainObject(body.spec) ? body.spec : {};
  let status: { allowed: boolean; reason?: string };
  if (isPlainObject(spec.resourceAttributes)) status = canI(identity, registry, spec.resourceAttributes);
  else if (isPlainObject(spec.nonResourceAttributes)) status = { allowed: true }; // discovery, health, version
  else throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
  sendJson(res, 201, { kind: 'SelfSubjectAccessReview', apiVersion, metadata: meta, spec, status });
}
