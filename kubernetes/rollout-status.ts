// `kubectl rollout status deployment/<name>`'s judgement as a pure function of a Deployment object, so the
// sandbox (waiting for its sample apps) and the playground server (waiting for a session's apps, lesson checks)
// decide "rolled out" exactly as kubectl does, against any cluster. This folder holds upstream Kubernetes rules
// that both sides mirror; it imports nothing, so both may import it without crossing a boundary.
// Upstream: staging/src/k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go (DeploymentStatusViewer.Status).

/** The fields of a Deployment that the judgement reads (a structural subset of apps/v1 Deployment). */
export interface DeploymentRolloutFields {
  metadata: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: readonly { type: string; reason?: string }[];
  };
}

export interface RolloutStatus {
  /** kubectl would print "successfully rolled out" and exit 0. */
  done: boolean;
  /** kubectl would give up: the Deployment's Progressing condition says ProgressDeadlineExceeded. */
  failed: boolean;
  /** What kubectl prints for this state (without its trailing newline). */
  message: string;
}

/** deploymentutil.TimedOutReason: the Progressing condition's reason once progressDeadlineSeconds passed. */
const TIMED_OUT_REASON = 'ProgressDeadlineExceeded';

export function deploymentRolloutStatus(d: DeploymentRolloutFields): RolloutStatus {
  const name = d.metadata.name ?? '';
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return waiting('Waiting for deployment spec update to be observed...');
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === TIMED_OUT_REASON) return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  // An absent spec.replicas is defaulted to 1 by the API server; kubectl skips this test when it is nil.
  const want = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const replicas = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want) return waiting(`Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`);
  if (replicas > updated) return waiting(`Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`);
  if (available < updated) return waiting(`Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`);
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}

const waiting = (message: string): RolloutStatus => ({ done: false, failed: false, message });
