// Every active namespace has a `default` ServiceAccount (pods run as it unless they name another),
// created with the namespace and re-created if deleted, as the service-account controller does.
import type { ClusterApi } from '../apiserver/api.js';
import { WorkQueue } from './work-queue.js';

export class ServiceAccountController {
  private queue = new WorkQueue('serviceaccount', (ns) => this.reconcile(ns));
  private unwatch: (() => void)[] = [];

  constructor(private readonly api: ClusterApi) {}

  start(): void {
    this.unwatch.push(
      this.api.watch(this.api.type('', 'namespaces'), undefined, undefined, ({ type, object }) => {
        if (type !== 'DELETED' && !object.metadata.deletionTimestamp) this.queue.add(object.metadata.name!);
      }),
      this.api.watch(this.api.type('', 'serviceaccounts'), undefined, undefined, ({ type, object }) => {
        if (type === 'DELETED' && object.metadata.name === 'default') this.queue.add(object.metadata.namespace!);
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  private reconcile(namespace: string): void {
    const ns = this.api.tryGet(this.api.type('', 'namespaces'), undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const saType = this.api.type('', 'serviceaccounts');
    if (this.api.tryGet(saType, namespace, 'default')) return;
    this.api.create(saType, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
  }
}
