// A VirtualService's or DestinationRule's status.conditions: whether the sandbox's sidecars use it, and why not (a
// host that names no Service, an HTTPRoute on the same Service port, a second VirtualService for a host, a field it
// cannot honour).
// Istio reports config distribution as a `Reconciled` condition (with PILOT_ENABLE_STATUS); the sandbox writes the same
// condition type with its own reasons — Applied, PartiallyApplied, NotApplied — and the problems as the message, so
// `kubectl get virtualservice NAME -o yaml` says what happened. Written only when it changes (no feedback loop).
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../../../apiserver/api.js';
import { StatusError } from '../../../apiserver/errors.js';
import type { ResourceType } from '../../../apiserver/resources.js';
import type { KubeObject } from '../../../apiserver/store.js';
import type { VirtualServiceReport } from './virtual-service-tables.js';

interface StoredCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

const CONDITION = 'Reconciled';
const MAX_MESSAGE = 4000;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function reconciledCondition(report: VirtualServiceReport): Omit<StoredCondition, 'lastTransitionTime' | 'observedGeneration'> {
  const where = report.appliedTo.join(', ');
  const problems = report.problems.join('; ');
  const message = !report.appliedTo.length
    ? `not applied by the sandbox mesh's sidecars${problems ? `: ${problems}` : ': no host names a Service'}`
    : problems
      ? `applied by the sandbox mesh's sidecars for ${where}, with problems: ${problems}`
      : `applied by the sandbox mesh's sidecars for ${where}`;
  return {
    type: CONDITION,
    status: report.appliedTo.length ? 'True' : 'False',
    reason: !report.appliedTo.length ? 'NotApplied' : problems ? 'PartiallyApplied' : 'Applied',
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
  };
}

/** Returns true when a write happened. Conflicts are ignored: the next watch event brings a fresh compile. */
export function writeIstioStatus(api: ClusterApi, type: ResourceType, vs: KubeObject, report: VirtualServiceReport): boolean {
  const status = (vs.status ?? {}) as { conditions?: StoredCondition[] };
  const current = Array.isArray(status.conditions) ? status.conditions : [];
  const old = current.find((c) => c?.type === CONDITION);
  const next = reconciledCondition(report);
  const condition: StoredCondition = {
    ...next,
    lastTransitionTime: old && old.status === next.status ? (old.lastTransitionTime ?? now()) : now(),
    observedGeneration: vs.metadata.generation,
  };
  const conditions = [...current.filter((c) => c?.type !== CONDITION), condition];
  if (isDeepStrictEqual(current, conditions)) return false;
  try {
    api.update(type, { ...vs, status: { ...status, conditions } }, { subresource: 'status' });
    return true;
  } catch (err) {
    if (err instanceof StatusError && (err.code === 409 || err.code === 404)) return false;
    throw err;
  }
}
