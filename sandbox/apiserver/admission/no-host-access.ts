// Refuses pods that ask for the node's host: host namespaces (hostNetwork, hostPID, hostIPC) and hostPath
// volumes, for every user, controllers included. The sandbox's node is simulated: there is no host
// filesystem, process table or network namespace to give a pod, and learners are attackers, so saying no is
// both safe and honest (`kubectl debug node/…` asks for all of them). The check names what the pod asked
// for, in the spirit of PodSecurity's baseline messages ("host namespaces (hostNetwork=true)", "hostPath volumes").
import type { AdmissionPlugin } from '../api.js';
import { isPlainObject } from '../schema/structural.js';
import { admissionForbidden } from './admission-errors.js';

const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** What a pod spec asks of the host, as PodSecurity lists it; empty when nothing. */
export function hostAccessOf(spec: unknown): string[] {
  if (!isPlainObject(spec)) return [];
  const out: string[] = [];
  const namespaces = HOST_NAMESPACES.filter((k) => spec[k] === true).map((k) => `${k}=true`);
  if (namespaces.length) out.push(`host namespaces (${namespaces.join(', ')})`);
  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : [])
    .filter((v): v is Record<string, unknown> => isPlainObject(v) && v.hostPath !== undefined)
    .map((v) => JSON.stringify(String(v.name)));
  if (volumes.length) out.push(`hostPath volumes (${volumes.join(', ')})`);
  return out;
}

export function noHostAccessAdmission(): AdmissionPlugin {
  return (r) => {
    if (r.type.group !== '' || r.type.plural !== 'pods' || r.subresource || r.operation === 'DELETE') return;
    const asked = hostAccessOf(r.object.spec);
    if (!asked.length) return;
    throw admissionForbidden('pods', '', r.object, `the sandbox has no host to share: ${asked.join(', ')} are refused (its node is simulated; there is no host filesystem, process table or network to give a pod)`);
  };
}
