// Istio's PeerAuthentication (security.istio.io v1/v1beta1): the mTLS mode of a workload, composed as pilot's
// ComposePeerAuthentication does (pilot/pkg/security/authn/policy_applier.go): the oldest mesh-wide policy (root
// namespace, no selector), then the oldest namespace-wide one, then the oldest selecting the workload, each overriding
// the previous unless its mode is UNSET; portLevelMtls of the workload policy per container port (UNSET inherits).
// Default PERMISSIVE. Servers act on it (STRICT resets plaintext connections; DISABLE takes plaintext only), and
// clients follow it as Istio's auto-mTLS does (a DISABLE destination is sent plaintext).
import type { KubeObject } from '../../../apiserver/store.js';
import type { InboundLayer } from '../../config/inbound-policy.js';
import type { PodInfo } from '../../config/snapshot.js';
import { ISTIO_ROOT_NAMESPACE, labelsMatch, olderFirst } from './istio-root-namespace.js';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface WorkloadMtls {
  mode: MtlsMode;
  /** `portLevelMtls` of the workload policy, by container port. */
  perPort: Map<number, MtlsMode>;
  /** The policies that decided it (diagnostics): `PeerAuthentication foo/default (STRICT)`. */
  source: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function modeOf(mtls: unknown): MtlsMode | undefined {
  const mode = isObj(mtls) ? mtls.mode : undefined;
  return mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE' ? mode : undefined; // UNSET / absent: inherit
}

function selectorOf(pa: KubeObject): Record<string, string> | undefined {
  const spec = isObj(pa.spec) ? pa.spec : {};
  const labels = isObj(spec.selector) && isObj(spec.selector.matchLabels) ? spec.selector.matchLabels : undefined;
  return labels && Object.keys(labels).length ? (labels as Record<string, string>) : undefined;
}

/** Problems of one namespace's PeerAuthentications that Istio's validation would reject or warn about. */
export function peerAuthenticationProblems(pas: Iterable<KubeObject>): string[] {
  const problems: string[] = [];
  for (const pa of pas) {
    const spec = isObj(pa.spec) ? pa.spec : {};
    if (spec.portLevelMtls !== undefined && !selectorOf(pa))
      problems.push(`PeerAuthentication ${pa.metadata.namespace}/${pa.metadata.name}: portLevelMtls requires a selector (Istio rejects it); ignored`);
    if (isObj(spec.portLevelMtls))
      for (const k of Object.keys(spec.portLevelMtls))
        if (!/^\d{1,5}$/.test(k) || Number(k) < 1 || Number(k) > 65535) problems.push(`PeerAuthentication ${pa.metadata.namespace}/${pa.metadata.name}: portLevelMtls key ${JSON.stringify(k)} is not a port number; ignored`);
  }
  return problems;
}

/** The mTLS a pod's sidecar enforces, from its namespace's PeerAuthentications and the root namespace's. */
export function workloadMtls(pod: PodInfo, local: Iterable<KubeObject>, root: Iterable<KubeObject>): WorkloadMtls {
  let mesh: KubeObject | undefined;
  let namespace: KubeObject | undefined;
  let workload: KubeObject | undefined;
  const older = (a: KubeObject | undefined, b: KubeObject) => (!a || olderFirst(b, a) < 0 ? b : a);
  const consider = (pa: KubeObject) => {
    const selector = selectorOf(pa);
    if (!selector) {
      if (pa.metadata.namespace === ISTIO_ROOT_NAMESPACE) mesh = older(mesh, pa);
      else if (pa.metadata.namespace === pod.namespace) namespace = older(namespace, pa);
    } else if (pa.metadata.namespace === pod.namespace && pod.namespace !== ISTIO_ROOT_NAMESPACE && labelsMatch(selector, pod.labels)) {
      workload = older(workload, pa); // root-namespace policies with a selector are not workload policies (as in pilot)
    }
  };
  for (const pa of local) consider(pa);
  if (pod.namespace !== ISTIO_ROOT_NAMESPACE) for (const pa of root) consider(pa);

  let mode: MtlsMode = 'PERMISSIVE';
  const used: string[] = [];
  for (const pa of [mesh, namespace, workload]) {
    const m = pa && modeOf(isObj(pa.spec) ? pa.spec.mtls : undefined);
    if (pa) used.push(`PeerAuthentication ${pa.metadata.namespace}/${pa.metadata.name} (${m ?? 'UNSET'})`);
    if (m) mode = m;
  }
  const perPort = new Map<number, MtlsMode>();
  const levels = workload && isObj(workload.spec) && isObj(workload.spec.portLevelMtls) ? workload.spec.portLevelMtls : {};
  for (const [k, v] of Object.entries(levels)) {
    const port = Number(k);
    if (/^\d{1,5}$/.test(k) && port >= 1 && port <= 65535) perPort.set(port, modeOf(v) ?? mode);
  }
  return { mode, perPort, source: used.join(', ') || 'mesh default (PERMISSIVE)' };
}

/** The server side: STRICT resets plaintext connections before any byte is answered; DISABLE refuses mTLS. */
export function peerAuthenticationLayer(m: WorkloadMtls): InboundLayer | undefined {
  if (m.mode === 'PERMISSIVE' && [...m.perPort.values()].every((v) => v === 'PERMISSIVE')) return undefined;
  return {
    source: m.source,
    refuseConnection(c) {
      const mode = m.perPort.get(c.port) ?? m.mode;
      if (mode === 'STRICT' && !c.tls) return `mTLS is STRICT on port ${c.port} (${m.source}): plaintext connection reset`;
      if (mode === 'DISABLE' && c.tls) return `mTLS is DISABLEd on port ${c.port} (${m.source}): this sidecar takes plaintext only`;
      return undefined;
    },
  };
}
