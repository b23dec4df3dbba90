// Which version of a bookinfo service answered, and from which pod: every bookinfo response carries it
// in headers so productpage (and a learner with curl) can see where traffic went.
import type { WorkloadContext } from '../runtime/workload.js';

export const VERSION_HEADER = 'x-bookinfo-version';
export const POD_HEADER = 'x-bookinfo-pod';

export const BOOKINFO_PORT = 9080;

export function servedBy(ctx: WorkloadContext, version: string): Record<string, string> {
  return { [VERSION_HEADER]: version, [POD_HEADER]: ctx.podName };
}

/** `http://<service>:9080`, overridable per service as Istio's images allow (e.g. RATINGS_HOSTNAME). */
export function serviceUrl(ctx: WorkloadContext, service: string): string {
  const host = ctx.env[`${service.toUpperCase()}_HOSTNAME`] ?? service;
  const domain = ctx.env.SERVICES_DOMAIN ? `.${ctx.env.SERVICES_DOMAIN}` : '';
  const port = ctx.env[`${service.toUpperCase()}_SERVICE_PORT`] ?? String(BOOKINFO_PORT);
  return `http://${host}${domain}:${port}`;
}
