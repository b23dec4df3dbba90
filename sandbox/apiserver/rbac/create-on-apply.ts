// Server-side apply can create: the API server then also asks the authorizer for `create` on the same
// resource and name (endpoints/handlers/patch.go, createAuthorizerAttributes + withAuthorization), so holding
// `patch` alone never creates an object. A view of the API whose create makes that check first.
import type { ClusterApi } from '../api.js';
import { forbidden, qualifiedResource, StatusError } from '../errors.js';
import type { RbacAuthorizer } from './authorizer.js';
import type { RequestAttributes } from './request-attributes.js';

export function createOnApplyAuthorizedApi(api: ClusterApi, authorizer: RbacAuthorizer, patch: RequestAttributes): ClusterApi {
  const view = Object.create(api) as ClusterApi;
  view.create = (t, obj, opts) => {
    const create: RequestAttributes = { ...patch, verb: 'create' };
    const decision = authorizer.authorize(create);
    if (!decision.allowed) {
      // apierrors.NewForbidden(group/resource, name, reason): the reason alone, empty when RBAC just found no rule.
      const err = forbidden(`${qualifiedResource(create.resource, create.apiGroup)} ${JSON.stringify(create.name)} is forbidden: ${decision.reason}`);
      throw new StatusError(err.code, err.reason, err.message, { name: create.name || undefined, group: create.apiGroup, kind: create.resource });
    }
    return api.create(t, obj, opts);
  };
  return view;
}
