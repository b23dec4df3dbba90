// Writes a route's status.parents[] (HTTPRoute and GRPCRoute alike: the same RouteStatus) for the parents this mesh owns, through the status subresource.
// Entries of other controllers are kept; lastTransitionTime only moves when a condition's status changes,
// and nothing is written when nothing changed (so the write does not feed back into another write).
import type { ClusterApi } from '../../apiserver/api.js';
import type { ResourceType } from '../../apiserver/resources.js';
import type { KubeObject } from '../../apiserver/store.js';
import { StatusError } from '../../apiserver/errors.js';
import { CONTROLLER_NAME } from '../constants.js';
import type { RouteParentStatus } from './route-parents.js';
import { isDeepStrictEqual } from 'node:util';

interface StoredCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

interface StoredParent {
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: StoredCondition[];
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * `othersOwn`: entries of this controller that another compiler writes (a policy.linkerd.io HTTPRoute's Server
 * parents are the inbound compiler's): kept as they are, like other controllers' entries.
 */
export function desiredRouteStatus(route: KubeObject, mine: RouteParentStatus[], othersOwn?: (parentRef: Record<string, unknown>) => boolean): { parents: StoredParent[] } {
  const current = ((route.status as { parents?: StoredParent[] } | undefined)?.parents ?? []).filter((p) => p && typeof p === 'object');
  const ours = (p: StoredParent) => p.controllerName === CONTROLLER_NAME && !othersOwn?.(p.parentRef ?? {});
  const others = current.filter((p) => !ours(p));
  const previous = current.filter(ours);
  const generation = route.metadata.generation;
  const parents = mine.map((p): StoredParent => {
    const before = previous.find((q) => isDeepStrictEqual(q.parentRef, p.parentRef));
    return {
      parentRef: { ...p.parentRef },
      controllerName: p.controllerName,
      conditions: p.conditions.map((c) => {
        const old = before?.conditions.find((o) => o.type === c.type);
        return {
          type: c.type,
          status: c.status,
          reason: c.reason,
          message: c.message,
          observedGeneration: generation,
          lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime ?? now() : now(),
        };
      }),
    };
  });
  return { parents: [...others, ...parents] };
}

/** Returns true when a write happened. Conflicts are ignored: the next watch event brings a fresh compile. */
export function writeRouteStatus(api: ClusterApi, type: ResourceType, route: KubeObject, mine: RouteParentStatus[], othersOwn?: (parentRef: Record<string, unknown>) => boolean): boolean {
  const status = desiredRouteStatus(route, mine, othersOwn);
  const current = (route.status as { parents?: unknown[] } | undefined)?.parents ?? [];
  if (isDeepStrictEqual(current, status.parents)) return false;
  try {
    api.update(type, { ...route, status: { ...((route.status as object) ?? {}), ...status } }, { subresource: 'status' });
    return true;
  } catch (err) {
    if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return false;
    throw err;
  }
}
