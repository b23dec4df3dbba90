// Writes one pod's status back through the API (pods/status), as the kubelet's status manager does: writes are
// coalesced and made outside any caller's store write, an unchanged status is not written again, a pod replaced
// under the same name (another uid) is left alone, and a gracefully deleted pod gets its final status and then
// the delete with grace period 0 that removes it.
import { isDeepStrictEqual } from 'node:util';
import type { ClusterApi } from '../../apiserver/api.js';
import type { PodStatus } from '../kinds.js';

export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export class PodStatusWriter {
  private scheduled = false;
  private lastWritten?: PodStatus;

  constructor(
    private readonly api: ClusterApi,
    private readonly pod: PodIdentity,
    /** The status to write now; undefined when the pod has stopped and reports nothing more. */
    private readonly current: () => PodStatus | undefined,
  ) {}

  /** Write the status soon (once per turn of the event loop, however often it is asked). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const status = this.current();
      if (!status || isDeepStrictEqual(status, this.lastWritten)) return;
      if (this.write(status) === 'written') this.lastWritten = status;
    });
  }

  /**
   * The last status of a gracefully deleted pod whose containers have stopped, then the delete that removes the
   * object, so its DELETED event carries that final state (upstream kubelet status_manager: canBeDeleted → Delete
   * with GracePeriodSeconds 0 and a UID precondition).
   */
  finishDeletion(finalStatus: PodStatus): void {
    // A failed write (a forced delete meanwhile) still ends in the delete; only another pod is left alone.
    if (this.write(finalStatus) === 'absent') return;
    try {
      this.api.delete(this.api.type('', 'pods'), this.pod.namespace, this.pod.name, { gracePeriodSeconds: 0, uid: this.pod.uid });
    } catch {
      // Already gone.
    }
  }

  /** 'absent' when the pod is not there or is another pod under the same name now. */
  private write(status: PodStatus): 'written' | 'failed' | 'absent' {
    const pods = this.api.type('', 'pods');
    const current = this.api.tryGet(pods, this.pod.namespace, this.pod.name);
    if (!current || current.metadata.uid !== this.pod.uid) return 'absent';
    current.status = status;
    delete current.metadata.resourceVersion;
    try {
      this.api.update(pods, current, { subresource: 'status' });
      return 'written';
    } catch {
      // The pod went away meanwhile; nothing to report.
      return 'failed';
    }
  }
}
