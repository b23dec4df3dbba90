// Sidecar injection, as an admission plugin on Pod CREATE (Linkerd's proxy-injector / Istio's webhook):
// a pod is meshed when its namespace asks for it (label `mesh.playground.dev/inject=enabled`,
// `linkerd.io/inject=enabled` as label or annotation, or `istio-injection=enabled`) or the pod itself does
// (`linkerd.io/inject: enabled`, `sidecar.istio.io/inject: "true"`); the pod's own opt-out wins.
import type { AdmissionPlugin, AdmissionRequest, ClusterApi } from '../apiserver/api.js';
import type { KubeObject } from '../apiserver/store.js';
import {
  DEFAULT_INBOUND_POLICY,
  INJECT_LABEL,
  ISTIO_INJECT_ANNOTATION,
  ISTIO_INJECTION_LABEL,
  LINKERD_INJECT,
  PROXY_VERSION,
  SIDECAR_ADMIN_PORT,
  SIDECAR_CONTAINER_NAME,
  SIDECAR_IMAGE,
  SIDECAR_OUTBOUND_PORT,
} from './constants.js';
import { INBOUND_PORTS_ENV } from './proxy/sidecar.js';

interface ContainerLike {
  name?: string;
  image?: string;
  ports?: { containerPort?: number; name?: string; protocol?: string }[];
  [k: string]: unknown;
}

export type InjectionDecision = { inject: true; why: string } | { inject: false; why: string };

export function injectionDecision(pod: KubeObject, namespace: KubeObject | undefined): InjectionDecision {
  const a = pod.metadata.annotations ?? {};
  const podLinkerd = a[LINKERD_INJECT];
  const podIstio = a[ISTIO_INJECT_ANNOTATION] ?? pod.metadata.labels?.[ISTIO_INJECT_ANNOTATION];
  if (podLinkerd === 'disabled') return { inject: false, why: `pod annotation ${LINKERD_INJECT}: disabled` };
  if (podIstio === 'false') return { inject: false, why: `pod annotation ${ISTIO_INJECT_ANNOTATION}: "false"` };
  if (podLinkerd === 'enabled') return { inject: true, why: `pod annotation ${LINKERD_INJECT}: enabled` };
  if (podIstio === 'true') return { inject: true, why: `pod annotation ${ISTIO_INJECT_ANNOTATION}: "true"` };
  const l = namespace?.metadata.labels ?? {};
  const na = namespace?.metadata.annotations ?? {};
  if (l[INJECT_LABEL] === 'enabled') return { inject: true, why: `namespace label ${INJECT_LABEL}=enabled` };
  if (l[LINKERD_INJECT] === 'enabled' || na[LINKERD_INJECT] === 'enabled') return { inject: true, why: `namespace ${LINKERD_INJECT}=enabled` };
  if (l[ISTIO_INJECTION_LABEL] === 'enabled') return { inject: true, why: `namespace label ${ISTIO_INJECTION_LABEL}=enabled` };
  return { inject: false, why: 'neither the namespace nor the pod asks for injection' };
}

/** Adds the mesh-proxy container and Linkerd-style annotations to a pod spec (idempotent). */
export function injectSidecar(pod: KubeObject, why: string): void {
  const spec = (pod.spec ??= {}) as { containers?: ContainerLike[] };
  const containers = (spec.containers ??= []);
  if (containers.some((c) => c.name === SIDECAR_CONTAINER_NAME)) return;
  const appPorts = containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)).filter((p): p is number => typeof p === 'number');
  containers.push({
    name: SIDECAR_CONTAINER_NAME,
    image: SIDECAR_IMAGE,
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'mesh-admin', containerPort: SIDECAR_ADMIN_PORT, protocol: 'TCP' },
      { name: 'mesh-outbound', containerPort: SIDECAR_OUTBOUND_PORT, protocol: 'TCP' },
    ],
    env: [{ name: INBOUND_PORTS_ENV, value: [...new Set(appPorts)].join(',') }],
    readinessProbe: { httpGet: { path: '/ready', port: SIDECAR_ADMIN_PORT }, initialDelaySeconds: 0, periodSeconds: 1 },
    livenessProbe: { httpGet: { path: '/live', port: SIDECAR_ADMIN_PORT }, periodSeconds: 10 },
    resources: { requests: { cpu: '10m', memory: '20Mi' } },
  });
  const annotations = (pod.metadata.annotations ??= {});
  annotations['linkerd.io/proxy-version'] = PROXY_VERSION;
  annotations['linkerd.io/identity-mode'] = 'default';
  annotations['linkerd.io/created-by'] = `mesh-playground/proxy-injector ${PROXY_VERSION}`;
  annotations['mesh.playground.dev/injected'] = why;
  // As Istio's and Linkerd's injectors do: `kubectl exec/logs` without -c pick the app, not the proxy.
  const app = containers[0]?.name;
  if (app && app !== SIDECAR_CONTAINER_NAME) annotations['kubectl.kubernetes.io/default-container'] ??= app;
}

export function sidecarInjector(api: ClusterApi): AdmissionPlugin {
  return (request: AdmissionRequest) => {
    if (request.operation !== 'CREATE' || request.type.group !== '' || request.type.plural !== 'pods' || request.subresource) return;
    const pod = request.object;
    const nsName = pod.metadata.namespace;
    const ns = nsName ? api.tryGet(api.type('', 'namespaces'), undefined, nsName) : undefined;
    const decision = injectionDecision(pod, ns);
    if (decision.inject) {
      injectSidecar(pod, decision.why);
      inheritDefaultInboundPolicy(pod, ns);
    }
  };
}

/**
 * Linkerd's injector fixes the namespace's `config.linkerd.io/default-inbound-policy` on the pod at creation: the
 * policy controller reads only the pod's annotation, so changing the namespace's later affects new pods only.
 */
export function inheritDefaultInboundPolicy(pod: KubeObject, namespace: KubeObject | undefined): void {
  const value = namespace?.metadata.annotations?.[DEFAULT_INBOUND_POLICY];
  if (value === undefined) return;
  const annotations = (pod.metadata.annotations ??= {});
  annotations[DEFAULT_INBOUND_POLICY] ??= value;
}
