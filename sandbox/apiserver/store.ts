// The cluster's state: every object, one global resourceVersion counter, a bounded event log per kind
// (so watches can resume from a resourceVersion and get 410 Gone when it is too old), and finalizers.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ResourceType } from './resources.js';
import { apiVersionOf } from './resources.js';
import { alreadyExists, conflict, forbidden, gone, notFound, badRequest } from './errors.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  type: WatchEventType;
  /** Read-only: shared by every listener. */
  object: KubeObject;
}

type Listener = (event: WatchEvent) => void;

interface LoggedEvent extends WatchEvent {
  rv: number;
}

interface Collection {
  objects: Map<string, KubeObject>; // key: namespace/name
  log: LoggedEvent[];
  compactedRV: number; // events at or below this rv are no longer in the log
  listeners: Set<{ namespace?: string; listener: Listener }>;
}

/** How many events per kind a watch can resume from before it gets 410 Gone. */
export const EVENT_LOG_LIMIT = 5000;

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;
const NAMESPACES = { group: '', plural: 'namespaces' };

export class ObjectStore {
  private collections = new Map<string, Collection>();
  private rv = 1;

  get resourceVersion(): string {
    return String(this.rv);
  }

  private collection(t: Pick<ResourceType, 'group' | 'plural'>): Collection {
    const key = `${t.group}/${t.plural}`;
    let c = this.collections.get(key);
    if (!c) {
      c = { objects: new Map(), log: [], compactedRV: 0, listeners: new Set() };
      this.collections.set(key, c);
    }
    return c;
  }

  tryGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.collection(t).objects.get(keyOf(t.namespaced ? namespace : undefined, name));
    return obj && structuredClone(obj);
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.tryGet(t, namespace, name);
    if (!obj) throw notFound(t.plural, t.group, name);
    return obj;
  }

  /** All objects of a kind, in one namespace or (namespace undefined) in all; sorted by namespace/name. */
  list(t: ResourceType, namespace?: string): { items: KubeObject[]; resourceVersion: string } {
    const items: KubeObject[] = [];
    for (const obj of this.collection(t).objects.values()) {
      if (namespace === undefined || !t.namespaced || obj.metadata.namespace === namespace) items.push(structuredClone(obj));
    }
    items.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name!).localeCompare(keyOf(b.metadata.namespace, b.metadata.name!)));
    return { items, resourceVersion: this.resourceVersion };
  }

  /**
   * Visits the stored objects of a kind in one namespace (or all) without copying them: for admission
   * checks that read many objects (quota usage). The visitor must not modify or keep what it is given.
   */
  scan(t: ResourceType, namespace: string | undefined, visit: (obj: Readonly<KubeObject>) => void): void {
    for (const obj of this.collection(t).objects.values()) {
      if (namespace === undefined || !t.namespaced || obj.metadata.namespace === namespace) visit(obj);
    }
  }

  create(t: ResourceType, input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    const meta = (obj.metadata ??= {});
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix();
    if (!meta.name) throw badRequest('resource name may not be empty');
    if (t.namespaced) {
      if (!meta.namespace) throw badRequest('the namespace of the object must be set');
      const ns = this.collection(NAMESPACES).objects.get(keyOf(undefined, meta.namespace));
      if (!ns) throw notFound('namespaces', '', meta.namespace);
      if (ns.metadata.deletionTimestamp)
        throw forbidden(`${t.plural} "${meta.name}" is forbidden: unable to create new content in namespace ${meta.namespace} because it is being terminated`);
    } else {
      delete meta.namespace;
    }
    const c = this.collection(t);
    const key = keyOf(meta.namespace, meta.name);
    if (c.objects.has(key)) throw alreadyExists(t.plural, t.group, meta.name);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    meta.uid ||= randomUUID(); // assigned by ClusterApi.create before admission
    meta.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.generation = 1;
    delete meta.deletionTimestamp;
    delete meta.resourceVersion;
    this.commit(c, key, obj, 'ADDED');
    return structuredClone(obj);
  }

  /**
   * Replace an object. A set resourceVersion must match (optimistic concurrency). With subresource
   * 'status' only .status changes; otherwise .status is kept for kinds that have a status subresource.
   */
  update(t: ResourceType, input: KubeObject, opts: { subresource?: 'status' } = {}): KubeObject {
    const name = input.metadata?.name;
    if (!name) throw badRequest('resource name may not be empty');
    const c = this.collection(t);
    const key = keyOf(t.namespaced ? input.metadata.namespace : undefined, name);
    const current = c.objects.get(key);
    if (!current) throw notFound(t.plural, t.group, name);
    const rv = input.metadata.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion)
      throw conflict(t.plural, t.group, name, 'the object has been modified; please apply your changes to the latest version and try again');

    let next: KubeObject;
    if (opts.subresource === 'status') {
      next = { ...structuredClone(current), status: structuredClone(input.status) };
    } else {
      next = structuredClone(input);
      if (t.subresources.status) {
        if (current.status === undefined) delete next.status;
        else next.status = structuredClone(current.status);
      }
      // Identity and server-owned fields cannot be changed by a client.
      next.metadata.uid = current.metadata.uid;
      next.metadata.creationTimestamp = current.metadata.creationTimestamp;
      next.metadata.generation = current.metadata.generation;
      if (current.metadata.deletionTimestamp) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
      else delete next.metadata.deletionTimestamp;
      if (current.metadata.deletionGracePeriodSeconds !== undefined) next.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
      else delete next.metadata.deletionGracePeriodSeconds;
      if (!isDeepStrictEqual(specOf(current), specOf(next))) next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    next.metadata.namespace = current.metadata.namespace;
    if (!t.namespaced) delete next.metadata.namespace;

    // An unchanged object is not written again (no new resourceVersion, no event), as on a real cluster.
    const withoutRV = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    if (isDeepStrictEqual(withoutRV(current), withoutRV(next))) return structuredClone(current);

    // Removing the last finalizer of an object being deleted completes the deletion; a graceful deletion
    // (period > 0) waits for its own end instead (upstream ShouldDeleteDuringUpdate).
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && (current.metadata.deletionGracePeriodSeconds ?? 0) === 0) {
      this.remove(c, key, next);
      return structuredClone(next);
    }
    this.commit(c, key, next, 'MODIFIED');
    return structuredClone(next);
  }

  /**
   * Delete an object. With finalizers (its own or `plan.finalizers`) or a graceful period it is only marked
   * (deletionTimestamp, deletionGracePeriodSeconds) and goes when the last finalizer is removed or, for a
   * graceful deletion, when it is deleted again with period 0 (the kubelet's last word). A second delete may
   * shorten the period, never lengthen it (upstream rest.BeforeDelete). Returns the object as last stored.
   */
  delete(
    t: ResourceType,
    namespace: string | undefined,
    name: string,
    opts: { uid?: string; resourceVersion?: string; plan?: { finalizers: string[]; gracePeriodSeconds?: number } } = {},
  ): KubeObject {
    const c = this.collection(t);
    const key = keyOf(t.namespaced ? namespace : undefined, name);
    const current = c.objects.get(key);
    if (!current) throw notFound(t.plural, t.group, name);
    if (opts.uid && opts.uid !== current.metadata.uid)
      throw conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${current.metadata.uid}`);
    if (opts.resourceVersion && opts.resourceVersion !== current.metadata.resourceVersion)
      throw conflict(t.plural, t.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    const finalizers = opts.plan?.finalizers ?? current.metadata.finalizers ?? [];
    const grace = opts.plan?.gracePeriodSeconds ?? 0;
    const sameFinalizers = isDeepStrictEqual(finalizers, current.metadata.finalizers ?? []);
    if (current.metadata.deletionTimestamp) {
      const pending = current.metadata.deletionGracePeriodSeconds ?? 0;
      const shorter = opts.plan?.gracePeriodSeconds !== undefined && grace < pending;
      if ((shorter ? grace : pending) === 0 && !finalizers.length) {
        const gone = structuredClone(current);
        this.remove(c, key, gone);
        return gone;
      }
      if (!shorter && sameFinalizers) return structuredClone(current);
      const marked = structuredClone(current);
      if (shorter) {
        marked.metadata.deletionGracePeriodSeconds = grace;
        marked.metadata.deletionTimestamp = deletionTime(grace);
      }
      setFinalizers(marked, finalizers);
      this.commit(c, key, marked, 'MODIFIED');
      return structuredClone(marked);
    }
    if (finalizers.length || grace > 0) {
      const marked = structuredClone(current);
      marked.metadata.deletionTimestamp = deletionTime(grace);
      marked.metadata.deletionGracePeriodSeconds = grace;
      // Entering deletion is a change of desired state: the generation moves (upstream rest.BeforeDelete for a
      // graceful deletion, markAsDeleting for one held by finalizers).
      marked.metadata.generation = (marked.metadata.generation ?? 1) + 1;
      setFinalizers(marked, finalizers);
      this.commit(c, key, marked, 'MODIFIED');
      return structuredClone(marked);
    }
    const gone = structuredClone(current);
    this.remove(c, key, gone);
    return gone;
  }

  /**
   * Watch a kind (optionally one namespace). From a resourceVersion: replays logged events after it
   * (410 Gone when it was compacted away); without one (or "0"): an ADDED event per current object.
   * Events are delivered synchronously, in resourceVersion order.
   */
  watch(t: ResourceType, namespace: string | undefined, fromRV: string | undefined, listener: Listener): () => void {
    const c = this.collection(t);
    const ns = t.namespaced ? namespace : undefined;
    const inScope = (o: KubeObject) => ns === undefined || o.metadata.namespace === ns;
    if (fromRV === undefined || fromRV === '' || fromRV === '0') {
      for (const obj of [...c.objects.values()].filter(inScope)) listener({ type: 'ADDED', object: obj });
    } else {
      const from = Number(fromRV);
      if (!Number.isInteger(from) || from < 0) throw badRequest(`invalid resource version "${fromRV}"`);
      if (from < c.compactedRV) throw gone(`too old resource version: ${from} (${c.compactedRV + 1})`);
      for (const e of c.log) if (e.rv > from && inScope(e.object)) listener({ type: e.type, object: e.object });
    }
    const entry = { namespace: ns, listener };
    c.listeners.add(entry);
    return () => c.listeners.delete(entry);
  }

  private commit(c: Collection, key: string, obj: KubeObject, type: WatchEventType): void {
    obj.metadata.resourceVersion = String(++this.rv);
    c.objects.set(key, obj);
    this.emit(c, { type, object: obj, rv: this.rv });
  }

  private remove(c: Collection, key: string, obj: KubeObject): void {
    c.objects.delete(key);
    obj.metadata.resourceVersion = String(++this.rv);
    this.emit(c, { type: 'DELETED', object: obj, rv: this.rv });
  }

  private emit(c: Collection, event: LoggedEvent): void {
    c.log.push(event);
    if (c.log.length > EVENT_LOG_LIMIT * 1.2) {
      const dropped = c.log.splice(0, c.log.length - EVENT_LOG_LIMIT);
      c.compactedRV = dropped[dropped.length - 1].rv;
    }
    const out: WatchEvent = { type: event.type, object: event.object };
    for (const { namespace, listener } of c.listeners) {
      if (namespace === undefined || event.object.metadata.namespace === namespace) listener(out);
    }
  }
}

/** When a deletion with this grace period is due, in the apiserver's RFC 3339 seconds form. */
function deletionTime(graceSeconds: number): string {
  return new Date(Date.now() + graceSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function setFinalizers(obj: KubeObject, finalizers: string[]): void {
  if (finalizers.length) obj.metadata.finalizers = [...finalizers];
  else delete obj.metadata.finalizers;
}

/** What counts as a change of desired state: everything but metadata and status. */
function specOf(o: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'; // Kubernetes' name-suffix alphabet (no vowels)
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}
