// Admission for Endpoints and EndpointSlices written by clients: every address must be the pod IP the node
// assigned to a pod of the object's own namespace. Otherwise a selectorless Service would turn the service
// proxy, the mesh and the API server's services proxy into a way to reach the host (127.0.0.1) or another
// tenant's pods. The sandbox's own controllers write in-process (no userInfo) and derive addresses from pods;
// the data path checks every address again before dialling, so a forged status.podIP is never dialled either.
import type { AdmissionPlugin } from '../../apiserver/api.js';
import { invalid, type StatusCause } from '../../apiserver/errors.js';
import type { AddressBook } from './address-book.js';

type Obj = Record<string, unknown>;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x)) : []);

export function endpointsAdmission(book: AddressBook): AdmissionPlugin {
  return (r) => {
    if (r.operation === 'DELETE' || !r.userInfo) return;
    const namespace = r.object.metadata?.namespace ?? '';
    const check = (field: string, ip: unknown, causes: StatusCause[]) => {
      if (typeof ip === 'string' && book.podAt(ip)?.namespace === namespace) return;
      causes.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: ${JSON.stringify(ip)}: must be the IP of a running pod in namespace "${namespace}" (the sandbox connects only to addresses it assigned)`,
      });
    };
    const causes: StatusCause[] = [];
    if (r.type.group === '' && r.type.plural === 'endpoints') {
      list(r.object.subsets).forEach((s, i) => {
        for (const kind of ['addresses', 'notReadyAddresses']) list(s[kind]).forEach((a, j) => check(`subsets[${i}].${kind}[${j}].ip`, a.ip, causes));
      });
      if (causes.length) throw invalid('Endpoints', '', r.object.metadata?.name ?? '', causes);
    } else if (r.type.group === 'discovery.k8s.io' && r.type.plural === 'endpointslices') {
      list(r.object.endpoints).forEach((e, i) => {
        (Array.isArray(e.addresses) ? e.addresses : []).forEach((ip: unknown, j: number) => check(`endpoints[${i}].addresses[${j}]`, ip, causes));
      });
      if (causes.length) throw invalid('EndpointSlice', 'discovery.k8s.io', r.object.metadata?.name ?? '', causes);
    }
  };
}
