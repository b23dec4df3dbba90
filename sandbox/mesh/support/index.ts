// The mesh support registry: every kind the sandbox mesh reads, with what it honours (see support-registry.ts).
// Each API's entries live in kinds/<api>.ts, written by whoever implements that API's compiler.
import type { KindSupport } from './support-registry.js';
import { GATEWAY_API_KINDS } from './kinds/gateway-api.js';
import { SMI_KINDS } from './kinds/smi.js';
import { ISTIO_KINDS } from './kinds/istio.js';
import { ISTIO_UNSUPPORTED_KINDS } from './kinds/istio-unsupported.js';
import { LINKERD_KINDS } from './kinds/linkerd.js';
import { LINKERD_UNSUPPORTED_KINDS } from './kinds/linkerd-unsupported.js';

export const MESH_API_SUPPORT: readonly KindSupport[] = [
  ...GATEWAY_API_KINDS,
  ...SMI_KINDS,
  ...ISTIO_KINDS,
  ...ISTIO_UNSUPPORTED_KINDS,
  ...LINKERD_KINDS,
  ...LINKERD_UNSUPPORTED_KINDS,
];

export function kindSupport(group: string, kind: string): KindSupport | undefined {
  return MESH_API_SUPPORT.find((k) => k.group === group && k.kind === kind);
}

export * from './support-registry.js';
