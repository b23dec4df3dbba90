// The sandbox's service mesh: `installMesh()` starts the control plane (config compiler, CA, status writer,
// stat view, tap), registers the injector with the API's admission chain and the sidecar image with the
// runtime's image registry. Everything is in-process; configuration is standard Gateway API / SMI objects.
import type { ClusterApi } from '../apiserver/api.js';
import { registerImage, unregisterImage } from '../runtime/images.js';
import { PROXY_VERSION, SIDECAR_IMAGE_NAME } from './constants.js';
import { MeshControlPlane, type ControlPlaneOptions } from './control-plane/control-plane.js';
import { sidecarInjector } from './injector.js';
import { meshSupportWarnings } from './support/support-admission.js';
import { linkerdPolicyValidator } from './control-plane/linkerd/policy-validator.js';
import { istioSecurityWarnings } from './control-plane/istio/istio-security-warnings.js';
import { linkerdAnnotationWarnings } from './control-plane/linkerd/annotation-admission.js';
import { MeshSidecar } from './proxy/sidecar.js';
import { pilotAgentProgram } from './proxy/pilot-agent.js';
import { ProxyHost } from './proxy/proxy-host.js';

export interface Mesh {
  controlPlane: MeshControlPlane;
  /**
   * The URL of the module the data-plane worker runs (the prebuilt bundle's, or the TypeScript entry's when it fell
   * back to tsx), or undefined until the first sidecar starts it.
   */
  dataPlaneModule(): Promise<string | undefined>;
  stop(): void;
}

export async function installMesh(api: ClusterApi, opts: ControlPlaneOptions = {}): Promise<Mesh> {
  const controlPlane = await MeshControlPlane.start(api, opts);
  api.use(sidecarInjector(api));
  api.use(meshSupportWarnings());
  api.use(linkerdPolicyValidator());
  api.use(istioSecurityWarnings());
  api.use(linkerdAnnotationWarnings());
  // `pilot-agent request GET stats` (Istio's tasks read Envoy's stats so) is the one program on the sidecar's $PATH.
  // The sidecars run in one data-plane worker thread (proxy/proxy-host.ts), off the apps' thread.
  const proxyHost = new ProxyHost(controlPlane);
  registerImage(SIDECAR_IMAGE_NAME, (ctx) => proxyHost.sidecar(ctx), { tags: [PROXY_VERSION], programs: { 'pilot-agent': pilotAgentProgram } });
  return {
    controlPlane,
    dataPlaneModule: () => proxyHost.workerModule(),
    stop() {
      proxyHost.stop();
      controlPlane.stop();
      unregisterImage(SIDECAR_IMAGE_NAME);
    },
  };
}

export { MeshControlPlane, MeshSidecar };
export type { TapEvent, TapFilter, TapSubscription } from './tap.js';
export type { DeploymentStat, OutboundRouteStat, RouteStat, StatOptions } from './control-plane/stat-view.js';
export { injectionDecision, sidecarInjector } from './injector.js';
export { ISTIO_ROOT_NAMESPACE } from './control-plane/istio/istio-root-namespace.js';
