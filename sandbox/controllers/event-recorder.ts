// v1 Events, as `kubectl describe` and `kubectl get events` show them. Repeats of the same event for the
// same object are folded into one Event with a count (as client-go's event correlator does), and the
// number kept is bounded so a crash-looping pod cannot grow the store without end.
import type { ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';

/** Events kept by one recorder; the oldest are deleted beyond this. */
export const MAX_EVENTS = 2000;

export type EventType = 'Normal' | 'Warning';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

interface Pending {
  key: string;
  involved: InvolvedObject;
  type: EventType;
  reason: string;
  message: string;
  component: string;
  at: string;
}

export class EventRecorder {
  private byKey = new Map<string, { namespace: string; name: string }>(); // insertion order = age
  private pending: Pending[] = [];
  private scheduled = false;
  private seq = 0;
  private stopped = false;

  constructor(
    private readonly api: ClusterApi,
    private readonly host = 'sandbox',
  ) {}

  /** Record an event about `object`; written shortly after (never inside the caller's store write). */
  record(object: KubeObject | InvolvedObject, type: EventType, reason: string, message: string, component: string, fieldPath?: string): void {
    if (this.stopped) return;
    const involved = 'metadata' in object ? referenceTo(object as KubeObject, fieldPath) : { ...object, fieldPath: fieldPath ?? object.fieldPath };
    if (!involved.namespace) involved.namespace = 'default';
    const key = [involved.namespace, involved.uid ?? involved.name, involved.fieldPath ?? '', type, reason, message, component].join('\u0000');
    this.pending.push({ key, involved, type, reason, message, component, at: now() });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  stop(): void {
    this.stopped = true;
    this.pending = [];
  }

  private flush(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const t = this.api.type('', 'events');
    for (const p of this.pending.splice(0)) {
      try {
        const known = this.byKey.get(p.key);
        const existing = known && this.api.tryGet(t, known.namespace, known.name);
        if (existing) {
          existing.count = ((existing.count as number | undefined) ?? 1) + 1;
          existing.lastTimestamp = p.at;
          this.api.update(t, existing);
          // Move to the young end so the cap drops events nobody is repeating.
          this.byKey.delete(p.key);
          this.byKey.set(p.key, known!);
          continue;
        }
        const name = `${p.involved.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
        this.api.create(t, {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: p.involved.namespace },
          involvedObject: p.involved,
          reason: p.reason,
          message: p.message,
          source: { component: p.component, host: this.host },
          firstTimestamp: p.at,
          lastTimestamp: p.at,
          count: 1,
          type: p.type,
          eventTime: null,
          reportingComponent: p.component,
          reportingInstance: `${p.component}-${this.host}`,
        });
        this.byKey.set(p.key, { namespace: p.involved.namespace!, name });
        this.evictOldest();
      } catch {
        // The namespace may be terminating or gone: an event that cannot be stored is simply dropped.
      }
    }
  }

  private evictOldest(): void {
    const t = this.api.type('', 'events');
    while (this.byKey.size > MAX_EVENTS) {
      const [key, ref] = this.byKey.entries().next().value as [string, { namespace: string; name: string }];
      this.byKey.delete(key);
      try {
        this.api.delete(t, ref.namespace, ref.name);
      } catch {
        // Already deleted (e.g. with its namespace).
      }
    }
  }
}

export function referenceTo(object: KubeObject, fieldPath?: string): InvolvedObject {
  const ref: InvolvedObject = {
    apiVersion: object.apiVersion,
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name!,
    uid: object.metadata.uid,
    resourceVersion: object.metadata.resourceVersion,
  };
  if (fieldPath) ref.fieldPath = fieldPath;
  return ref;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}
