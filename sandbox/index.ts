// The embedded sandbox cluster's public face: the only module of sandbox/ that code outside it may import
// (test/architecture/boundaries.test.ts fails on any other). The playground server uses it to boot a cluster
// and to read the bundled sample manifests; from then on it talks to the cluster through the Kubernetes API
// alone, as it would to a real one. Each group below says who it is for; add to it only with a reason.

// Booting and stopping an embedded cluster (`playground up`, `playground sandbox`, conformance runs, benchmarks).
export { startSandbox, type Sandbox, type SandboxOptions } from './cluster.js';

// Workload images: the shape of what a pod's image runs. The server's load generator image implements it and
// is handed to startSandbox({ images }); SIDECAR_OUTBOUND_PORT is where a meshed pod's own calls enter its sidecar.
export { SIDECAR_OUTBOUND_PORT, type Workload, type WorkloadContext, type WorkloadFactory } from './runtime/workload.js';

// The bundled manifests: the sample apps' YAML (the same YAML a learner applies to a real cluster), and an
// in-process apply that benchmarks use to set up a cluster without going through HTTP.
export { applyObjects, parseManifest, readManifest, manifestPath, type BundledManifest } from './manifests/load.js';

// The mesh's public vocabulary: the labels, annotations and headers a learner writes or reads.
export { LINKERD_INJECT, MTLS_ANNOTATION, DEBUG_REQUEST_HEADER, DEBUG_ROUTE_HEADER } from './mesh/constants.js';

// The object shapes the API serves (types only).
export type { KubeObject } from './apiserver/store.js';
export type { Deployment, Pod } from './runtime/kinds.js';

// Schemas and support data that generators turn into site artefacts at build time (scripts/): the built-in
// kinds' schemas and the vendored CRDs (the manifest editor's schema), and the mesh support registry.
export { BUILTIN_SCHEMAS } from './apiserver/schema/builtin-schemas.js';
export { bundledCrdText, type BundledCrd } from './apiserver/crd/bundled-crds.js';
export { loadCrdDocuments, type CrdDocument } from './apiserver/resources.js';
export { MESH_API_SUPPORT } from './mesh/support/index.js';
export { meshSupportSiteData } from './mesh/support/site-data.js';

// Building blocks for the sandbox's own micro-benchmarks (bench/), which time one layer without the rest.
export { ObjectStore } from './apiserver/store.js';
export { ResourceRegistry } from './apiserver/resources.js';
export { ClusterApi } from './apiserver/api.js';
export { adminIdentity, createApiServer, StaticTokenAuthenticator } from './apiserver/http-server.js';
export { writeKubeconfig } from './apiserver/kubeconfig.js';
export { createServingCertificate } from './apiserver/serving-certificate.js';
export { SandboxCA } from './mesh/identity/ca.js';
export { generateWorkloadKey } from './mesh/identity/workload-key.js';
export { authorizationLayer, policiesFor } from './mesh/control-plane/istio/authorization-layer.js';
export type { MeshSnapshot } from './mesh/config/snapshot.js';
