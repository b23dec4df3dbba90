// Linkerd kinds the sandbox serves (from Linkerd's rendered CRDs) but its mesh does not read at all: one `spec: none`
// entry each, so applying one warns once, naming the kind. Groups, kinds and versions as linkerd.install_crds.yaml
// serves them; docs links to linkerd.io's reference pages.
import type { KindSupport } from '../support-registry.js';

function notHonoured(group: string, kind: string, versions: string[], docs: string, why: string): KindSupport {
  return {
    api: 'Linkerd',
    group,
    kind,
    versions,
    summary: `Stored but not read by the sandbox mesh: ${why}.`,
    docs,
    warnOnApply: true,
    fields: [{ path: 'spec', support: 'none', note: why }],
  };
}

export const LINKERD_UNSUPPORTED_KINDS: KindSupport[] = [
  notHonoured(
    'linkerd.io',
    'ServiceProfile',
    ['v1alpha2', 'v1alpha1'],
    'https://linkerd.io/2-edge/reference/service-profiles/',
    'per-route retries, timeouts and metrics come from HTTPRoutes (policy.linkerd.io or gateway.networking.k8s.io) and the retry.linkerd.io / timeout.linkerd.io annotations, as in current Linkerd',
  ),
  notHonoured('policy.linkerd.io', 'EgressNetwork', ['v1alpha1'], 'https://linkerd.io/2-edge/reference/egress-network/', 'sidecars dial only addresses inside the sandbox cluster, so there is no egress traffic to govern'),
  notHonoured('policy.linkerd.io', 'HTTPLocalRateLimitPolicy', ['v1alpha1'], 'https://linkerd.io/2-edge/reference/rate-limiting/', 'inbound requests are not rate limited'),
  notHonoured('workload.linkerd.io', 'ExternalWorkload', ['v1beta1', 'v1alpha1'], 'https://linkerd.io/2-edge/reference/external-workload/', 'only pods of the sandbox are workloads (no VMs or external endpoints)'),
];
