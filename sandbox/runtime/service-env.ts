// Docker-links-style environment variables for Services, as the kubelet writes them into every container
// (pkg/kubelet/envvars): `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT[_<PORTNAME>]`, `<NAME>_PORT[_<port>_<PROTO>[_…]]`
// for each Service of the pod's namespace (unless spec.enableServiceLinks is false), and always for the
// `kubernetes` Service of the default namespace.
import type { ClusterApi } from '../apiserver/api.js';
import type { Pod } from './kinds.js';

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
}

interface Service {
  metadata: { name: string; namespace?: string };
  spec?: { clusterIP?: string; ports?: ServicePort[] };
}

const envName = (name: string) => name.toUpperCase().replace(/-/g, '_');

function linksOf(svc: Service, out: Record<string, string>): void {
  const ip = svc.spec?.clusterIP;
  const ports = svc.spec?.ports ?? [];
  if (!ip || ip === 'None' || !ports.length) return;
  const n = envName(svc.metadata.name);
  out[`${n}_SERVICE_HOST`] = ip;
  out[`${n}_SERVICE_PORT`] = String(ports[0].port);
  for (const p of ports) if (p.name) out[`${n}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
  const first = ports[0];
  out[`${n}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
  for (const p of ports) {
    const proto = p.protocol ?? 'TCP';
    const prefix = `${n}_PORT_${p.port}_${proto.toUpperCase()}`;
    out[prefix] = `${proto.toLowerCase()}://${ip}:${p.port}`;
    out[`${prefix}_PROTO`] = proto.toLowerCase();
    out[`${prefix}_PORT`] = String(p.port);
    out[`${prefix}_ADDR`] = ip;
  }
}

export function serviceEnv(api: ClusterApi, pod: Pod): Record<string, string> {
  const out: Record<string, string> = {};
  const services = api.type('', 'services');
  const ns = pod.metadata.namespace;
  if ((pod.spec as { enableServiceLinks?: boolean }).enableServiceLinks !== false)
    for (const svc of api.list(services, ns).items as unknown as Service[]) linksOf(svc, out);
  const master = api.tryGet(services, 'default', 'kubernetes') as unknown as Service | undefined;
  if (master) linksOf(master, out);
  return out;
}
