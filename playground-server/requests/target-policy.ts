// Where a learner may send requests (and benchmarks): only to Services of their own session. Checked
// before anything is sent: IP literals, other hosts (localhost, metadata services, the internet) and
// other namespaces are refused, and the Service and port must exist.
import { isIP } from 'node:net';
import { ApiError, forbidden, notFound, validationFailed } from '../api/errors.js';
import type { KubeHttp } from '../kube/kube-http.js';

export interface SessionTarget {
  service: string;
  port: number;
  /** What the client workload is asked to fetch: http://<service>:<port><path?query>. */
  url: string;
}

interface ServiceLike {
  spec?: { ports?: { port: number; name?: string }[] };
}

/** The Service a host names, or a refusal: `svc`, `svc.<ns>`, `svc.<ns>.svc`, `svc.<ns>.svc.cluster.local`. */
export function serviceOfHost(hostname: string, namespace: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) || /^\d+$/.test(bare) || /^0x[0-9a-f]+$/i.test(bare))
    throw forbidden('TargetRefused', `"${hostname}" is an IP address; requests may only go to Services in your namespace "${namespace}", by name (e.g. http://reviews:9080/)`, { field: 'url' });
  const labels = host.split('.');
  const [service, ns, svc, ...rest] = labels;
  const clusterSuffix = rest.join('.');
  const shapeOk =
    labels.length === 1 ||
    labels.length === 2 ||
    (labels.length === 3 && svc === 'svc') ||
    (labels.length === 5 && svc === 'svc' && clusterSuffix === 'cluster.local');
  if (!shapeOk) throw forbidden('TargetRefused', `"${hostname}" is not a Service of this session; requests may only go to Services in namespace "${namespace}" (e.g. http://reviews:9080/)`, { field: 'url' });
  if (labels.length >= 2 && ns !== namespace)
    throw forbidden('TargetRefused', `"${hostname}" is in namespace "${ns}"; a session may only send requests within its own namespace "${namespace}"`, { field: 'url' });
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(service)) throw forbidden('TargetRefused', `"${hostname}" is not a Service name`, { field: 'url' });
  return service;
}

/** Parse and authorise a URL against the session's Services (looked up with the session's own token). */
export async function resolveSessionTarget(kube: KubeHttp, namespace: string, rawUrl: string, signal?: AbortSignal): Promise<SessionTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw validationFailed([{ field: 'url', message: `"${rawUrl.slice(0, 200)}" is not an absolute URL such as http://reviews:9080/reviews/0` }]);
  }
  if (url.protocol !== 'http:') throw validationFailed([{ field: 'url', message: `use http:// (the sidecars add mTLS between workloads); got ${url.protocol}//` }]);
  if (url.username || url.password) throw validationFailed([{ field: 'url', message: 'credentials in the URL are not supported; send an Authorization header instead' }]);
  const service = serviceOfHost(url.hostname, namespace);
  let svc: ServiceLike;
  try {
    svc = await kube.json<ServiceLike>({ path: `/api/v1/namespaces/${namespace}/services/${service}`, signal });
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) throw notFound('UnknownService', `there is no Service "${service}" in your namespace "${namespace}" (kubectl get services lists them)`, { field: 'url' });
    throw err;
  }
  const ports = (svc.spec?.ports ?? []).map((p) => p.port);
  const port = url.port ? Number(url.port) : 80;
  if (!ports.includes(port))
    throw validationFailed([{ field: 'url', message: `Service "${service}" has no port ${port}; its ports: ${ports.join(', ') || 'none'} (e.g. http://${service}:${ports[0] ?? 80}${url.pathname})` }]);
  return { service, port, url: `http://${service}:${port}${url.pathname}${url.search}` };
}
