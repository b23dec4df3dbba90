// Names and numbers shared by the injector, the sidecar and the control plane. The sidecar's container name
// and outbound port are the runtime's contract (sandbox/runtime/workload.ts).
import { SIDECAR_CONTAINER_NAME, SIDECAR_OUTBOUND_PORT } from '../runtime/workload.js';

export { SIDECAR_CONTAINER_NAME, SIDECAR_OUTBOUND_PORT };
export const SIDECAR_IMAGE_NAME = 'playground/mesh-proxy';
export const SIDECAR_IMAGE = `${SIDECAR_IMAGE_NAME}:v1`;
export const PROXY_VERSION = 'v1';

/** The proxy's admin listener: /metrics, /ready, /live (Linkerd's port). */
export const SIDECAR_ADMIN_PORT = 4191;

export const TRUST_DOMAIN = 'cluster.local';
/** The controller name written into HTTPRoute status.parents[].controllerName. */
export const CONTROLLER_NAME = 'mesh.playground.dev/sandbox-mesh';

export const INJECT_LABEL = 'mesh.playground.dev/inject';
export const LINKERD_INJECT = 'linkerd.io/inject';
export const ISTIO_INJECTION_LABEL = 'istio-injection';
export const ISTIO_INJECT_ANNOTATION = 'sidecar.istio.io/inject';
export const DEFAULT_INBOUND_POLICY = 'config.linkerd.io/default-inbound-policy';
/**
 * Sandbox-only opt-out of mTLS for a destination (annotation on the namespace or the pod; the pod's wins):
 * `disabled` makes client sidecars talk plaintext to that pod's sidecar. Policy that requires mTLS
 * (all-authenticated, TrafficTarget) still refuses such requests. Real meshes have no equivalent switch;
 * it exists so the mesh-overhead benchmark can separate the sidecar hop's cost from TLS's.
 */
export const MTLS_ANNOTATION = 'mesh.playground.dev/mtls';

/** Header the inbound proxy adds with the verified client identity (as Linkerd does). */
export const CLIENT_ID_HEADER = 'l5d-client-id';
/** Header on responses the proxy generated itself (not the app), naming why. */
export const PROXY_ERROR_HEADER = 'l5d-proxy-error';

/**
 * Ask the outbound proxy to describe how it served a request (the try-it panels and `curl` use this):
 * a request with `x-mesh-debug: 1` gets response headers naming the endpoint pod, the attempts made,
 * the route, and the peer's verified identity. Opt-in, so ordinary traffic carries no extra bytes.
 */
export const DEBUG_REQUEST_HEADER = 'x-mesh-debug';
export const DEBUG_ENDPOINT_HEADER = 'x-mesh-endpoint';
export const DEBUG_ATTEMPTS_HEADER = 'x-mesh-attempts';
export const DEBUG_ROUTE_HEADER = 'x-mesh-route';
export const DEBUG_PEER_IDENTITY_HEADER = 'x-mesh-peer-identity';

/** Limits, named so errors can say them. */
export const RETRY_BODY_LIMIT_BYTES = 64 * 1024;
export const MAX_RETRY_ATTEMPTS = 10;
export const MAX_FAULT_DELAY_MS = 60_000;
/** RequestMirror: a body larger than this is not copied (the request is still served, unmirrored). */
export const MIRROR_BODY_LIMIT_BYTES = 64 * 1024;
/** RequestMirror: copies one sidecar keeps on the wire at once; past it copies are dropped, never queued. */
export const MIRROR_MAX_IN_FLIGHT = 32;
/** RequestMirror: a copy still unanswered after this is abandoned. */
export const MIRROR_TIMEOUT_MS = 10_000;
