// An Istio `host` (VirtualService hosts[], route destination host, DestinationRule host) → the Service it names.
// Istio reads a short name relative to the object's namespace (`reviews` in namespace `bookinfo` is
// reviews.bookinfo.svc.cluster.local); the sandbox also reads `name.namespace` and `name.namespace.svc`. Wildcards
// and hosts outside the cluster (ServiceEntry hosts) are not Services here: they are reported, never guessed.
import type { ServiceFacts } from '../http-route-compiler.js';

export interface ServiceRef {
  namespace: string;
  service: string;
}

const CLUSTER_SUFFIX = /\.svc(\.cluster\.local)?\.?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The Service a host names (not checked to exist), or why it names none. */
export function parseIstioHost(host: string, objectNamespace: string): ServiceRef | { error: string } {
  if (host.includes('*')) return { error: `host ${JSON.stringify(host)}: wildcard hosts are not supported by the sandbox mesh; name one Service` };
  const parts = host.replace(CLUSTER_SUFFIX, '').split('.');
  if (parts.length > 2 || !parts.every((p) => DNS_LABEL.test(p))) {
    return { error: `host ${JSON.stringify(host)} is not a Service of this cluster (hosts outside it need a ServiceEntry, which the sandbox mesh does not support): write <service>, <service>.<namespace> or <service>.<namespace>.svc.cluster.local` };
  }
  return { service: parts[0], namespace: parts[1] ?? objectNamespace };
}

/** The Service a host names, checked to exist. */
export function resolveIstioHost(
  host: string,
  objectNamespace: string,
  service: (namespace: string, name: string) => ServiceFacts | undefined,
): (ServiceRef & { facts: ServiceFacts }) | { error: string } {
  const ref = parseIstioHost(host, objectNamespace);
  if ('error' in ref) return ref;
  const facts = service(ref.namespace, ref.service);
  if (!facts) return { error: `host ${JSON.stringify(host)}: Service "${ref.namespace}/${ref.service}" not found` };
  return { ...ref, facts };
}
