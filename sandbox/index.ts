// The embedded sandbox cluster's public face.
export { startSandbox, deploymentsReady, SYSTEM_NAMESPACES, type Sandbox, type SandboxOptions } from './cluster.js';
export { PodRuntime } from './runtime/pod-runtime.js';
export type { PodRequest, PodResponse } from './runtime/request-from.js';
export { registerImage, registerWorkloadImages, unregisterImage, availableImages, type ImageFactory } from './runtime/images.js';
export { SIDECAR_CONTAINER_NAME, SIDECAR_OUTBOUND_PORT, type Workload, type WorkloadContext, type WorkloadFactory } from './runtime/workload.js';
export { applyObjects, parseManifest, readManifest, manifestPath, type BundledManifest } from './manifests/load.js';
