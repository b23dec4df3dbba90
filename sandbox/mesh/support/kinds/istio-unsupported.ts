// Istio kinds the sandbox serves (their CRDs are installed, so `kubectl apply` stores them as on a cluster with Istio)
// but its mesh does not read at all: one `spec: none` entry each, so applying one warns once, naming the kind.
// Groups, kinds and versions as istio.crd-all.gen.yaml serves them; docs links as its descriptions give them.
import type { KindSupport } from '../support-registry.js';

const NETWORKING_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];

function notHonoured(group: string, kind: string, versions: string[], docs: string, why: string): KindSupport {
  return {
    api: 'Istio',
    group,
    kind,
    versions,
    summary: `Stored but not read by the sandbox mesh: ${why}.`,
    docs,
    warnOnApply: true,
    fields: [{ path: 'spec', support: 'none', note: why }],
  };
}

export const ISTIO_UNSUPPORTED_KINDS: KindSupport[] = [
  notHonoured('networking.istio.io', 'Gateway', NETWORKING_VERSIONS, 'https://istio.io/docs/reference/config/networking/gateway.html', 'the sandbox runs no ingress or egress gateway'),
  notHonoured('networking.istio.io', 'ServiceEntry', NETWORKING_VERSIONS, 'https://istio.io/docs/reference/config/networking/service-entry.html', 'sidecars dial only addresses inside the sandbox cluster, so external services cannot be added'),
  notHonoured('networking.istio.io', 'Sidecar', NETWORKING_VERSIONS, 'https://istio.io/docs/reference/config/networking/sidecar.html', 'every sidecar knows every Service; egress and ingress listeners are not configurable'),
  notHonoured('networking.istio.io', 'EnvoyFilter', ['v1alpha3'], 'https://istio.io/docs/reference/config/networking/envoy-filter.html', 'the sandbox proxy is not Envoy, so Envoy configuration patches have nothing to apply to'),
  notHonoured('networking.istio.io', 'WorkloadEntry', NETWORKING_VERSIONS, 'https://istio.io/docs/reference/config/networking/workload-entry.html', 'only pods of the sandbox are workloads (no VMs or external endpoints)'),
  notHonoured('networking.istio.io', 'WorkloadGroup', NETWORKING_VERSIONS, 'https://istio.io/docs/reference/config/networking/workload-group.html', 'only pods of the sandbox are workloads (no VMs or external endpoints)'),
  notHonoured('networking.istio.io', 'ProxyConfig', ['v1beta1'], 'https://istio.io/docs/reference/config/networking/proxy-config.html', 'the sandbox proxy has no per-workload settings (concurrency, image, environment)'),
  notHonoured('extensions.istio.io', 'WasmPlugin', ['v1alpha1'], 'https://istio.io/docs/reference/config/proxy_extensions/wasm-plugin.html', 'the sandbox proxy runs no WebAssembly modules'),
  notHonoured('extensions.istio.io', 'TrafficExtension', ['v1alpha1'], 'https://istio.io/docs/reference/config/proxy_extensions/traffic_extension.html', 'the sandbox proxy runs no WebAssembly or Lua extensions'),
  notHonoured('security.istio.io', 'RequestAuthentication', ['v1', 'v1beta1'], 'https://istio.io/docs/reference/config/security/request_authentication.html', 'JWTs are not validated, so request principals are never set'),
];
