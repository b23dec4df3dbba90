// The API server's in-process face: every write goes through admission (defaulting, mutation such as
// sidecar injection, validation) and then the store. The HTTP layer and the controllers both use this,
// so an object created by a controller is treated exactly like one created by kubectl.
import { randomUUID } from 'node:crypto';
import type { ResourceType, ResourceRegistry } from './resources.js';
import type { KubeObject, ObjectStore, WatchEvent } from './store.js';
import { conflict } from './errors.js';
import { planDeletion, type DeleteOptions } from './deletion.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: Operation;
  type: ResourceType;
  /** The object to be stored (mutable for mutating plugins); for DELETE the object being deleted. */
  object: KubeObject;
  oldObject?: KubeObject;
  subresource?: string;
  dryRun: boolean;
  /**
   * Who asked, for writes that came through the API server's HTTP layer (upstream: admission.Attributes'
   * user info). Absent for the sandbox's own in-process components (controllers, the kubelet, bootstrap).
   */
  userInfo?: { username: string };
  /**
   * Warnings for the client (upstream: admission webhooks' `warnings`, sent as `Warning: 299 - "…"` headers that
   * kubectl prints). A plugin pushes here to say it accepted the object but will not honour part of it.
   */
  warnings: string[];
}

/**
 * A plugin may mutate `request.object` (defaulting, injection) and throws a StatusError to reject.
 * Plugins run in registration order; mutating ones should be registered before validating ones.
 */
export type AdmissionPlugin = (request: AdmissionRequest) => void;

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: 'status';
  /** The client a write is made for (see AdmissionRequest.userInfo). */
  userInfo?: { username: string };
  /** Filled with admission's warnings for the client (the HTTP layer sends them as Warning headers). */
  warnings?: string[];
}

export class ClusterApi {
  private plugins: AdmissionPlugin[] = [];

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
  ) {}

  use(plugin: AdmissionPlugin): this {
    this.plugins.push(plugin);
    return this;
  }

  /** Shorthand: `api.type('apps', 'deployments')`. */
  type(group: string, plural: string): ResourceType {
    return this.registry.get(group, plural);
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.store.get(t, namespace, name);
  }

  tryGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.tryGet(t, namespace, name);
  }

  list(t: ResourceType, namespace?: string): { items: KubeObject[]; resourceVersion: string } {
    return this.store.list(t, namespace);
  }

  /** Read-only visit of stored objects without copies (see ObjectStore.scan). */
  scan(t: ResourceType, namespace: string | undefined, visit: (obj: Readonly<KubeObject>) => void): void {
    this.store.scan(t, namespace, visit);
  }

  watch(t: ResourceType, namespace: string | undefined, fromRV: string | undefined, listener: (e: WatchEvent) => void): () => void {
    return this.store.watch(t, namespace, fromRV, listener);
  }

  create(t: ResourceType, obj: KubeObject, opts: WriteOptions = {}): KubeObject {
    const object = structuredClone(obj);
    // The uid exists before admission, as upstream's FillObjectMetaSystemFields runs before PrepareForCreate
    // (a Job's generated selector names it). The HTTP write pipeline has already replaced a client's uid with
    // a fresh one (prepareWrite); in-process writers are trusted.
    object.metadata = { ...(object.metadata ?? {}) };
    object.metadata.uid ||= randomUUID();
    this.admit({ operation: 'CREATE', type: t, object, dryRun: !!opts.dryRun, userInfo: opts.userInfo, warnings: opts.warnings ?? [] });
    return opts.dryRun ? object : this.store.create(t, object);
  }

  update(t: ResourceType, obj: KubeObject, opts: WriteOptions = {}): KubeObject {
    const object = structuredClone(obj);
    const oldObject = this.store.get(t, object.metadata?.namespace, object.metadata?.name ?? '');
    this.admit({ operation: 'UPDATE', type: t, object, oldObject, subresource: opts.subresource, dryRun: !!opts.dryRun, userInfo: opts.userInfo, warnings: opts.warnings ?? [] });
    return opts.dryRun ? object : this.store.update(t, object, { subresource: opts.subresource });
  }

  /**
   * Delete through admission. The propagation policy becomes the `orphan` / `foregroundDeletion` finalizer the
   * garbage collector acts on; a pod on a node is deleted gracefully (the kubelet finishes it). A dry run
   * returns the object as the deletion would leave it, and stores nothing.
   */
  delete(t: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions & { userInfo?: { username: string } } = {}): KubeObject {
    const object = this.store.get(t, namespace, name);
    this.admit({ operation: 'DELETE', type: t, object, dryRun: !!opts.dryRun, userInfo: opts.userInfo, warnings: [] });
    if (!opts.dryRun) {
      // Planned from the object as admission left it: a kind's delete strategy may have added a finalizer
      // (a CRD's customresourcecleanup), which the plan must keep.
      const admitted = this.store.get(t, namespace, name);
      return this.store.delete(t, namespace, name, { uid: opts.uid, resourceVersion: opts.resourceVersion, plan: planDeletion(t, admitted, opts) });
    }
    const plan = planDeletion(t, object, opts);
    if (opts.uid && opts.uid !== object.metadata.uid)
      throw conflict(t.plural, t.group, name, `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${object.metadata.uid}`);
    if (opts.resourceVersion && opts.resourceVersion !== object.metadata.resourceVersion)
      throw conflict(t.plural, t.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    const grace = plan.gracePeriodSeconds ?? 0;
    if (!object.metadata.deletionTimestamp && (plan.finalizers.length || grace > 0)) {
      object.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      object.metadata.deletionGracePeriodSeconds = grace;
    }
    if (plan.finalizers.length) object.metadata.finalizers = plan.finalizers;
    return object;
  }

  private admit(request: AdmissionRequest): void {
    for (const plugin of this.plugins) plugin(request);
  }
}
