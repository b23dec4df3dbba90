// What a scale test puts in the cluster, all in one namespace of its own (deleting it cleans up everything):
// N copies of a sample workload — Deployment `scale-<i>` (go-httpbin, the image Istio's httpbin sample runs, so the
// same manifest runs on a real cluster) and its Service — one Service `scale-all` over every copy (the load's target:
// the mesh balances it across all N pods), a client to probe routes from (playground/curl, the session's client),
// and the route whose pushes are timed.

export const MANAGED_BY = 'playground-scale-test';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const COPY_LABEL = 'scale.mesh.playground.dev/copy';
export const WORKLOAD_LABEL = 'scale.mesh.playground.dev/workload';
export const WORKLOAD_IMAGE = 'mccutchen/go-httpbin:v2.15.0';
export const WORKLOAD_PORT = 8080;
export const SERVICE_PORT = 8000;
export const ALL_SERVICE = 'scale-all';
export const CLIENT = 'scale-client';
export const CLIENT_IMAGE = 'playground/curl:v1';
/** The client's /fetch endpoint port (requests/client-workload.ts CLIENT_PORT). */
export const CLIENT_PORT = 8080;
export const PUSH_ROUTE = 'scale-push';
export const WATCH_CONFIGMAP = 'scale-watch';

export const copyName = (i: number) => `scale-${i}`;

type Obj = Record<string, unknown>;

export function namespaceObject(name: string, labels: Record<string, string>, annotations: Record<string, string>): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY }, ...(Object.keys(annotations).length ? { annotations } : {}) },
  };
}

function deployment(name: string, labels: Record<string, string>, image: string, port: number): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { ...labels, app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: port, name: 'http' }], readinessProbe: { httpGet: { path: '/get', port }, periodSeconds: 1 } }],
        },
      },
    },
  };
}

function service(name: string, selector: Record<string, string>, labels: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, labels }, spec: { selector, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: WORKLOAD_PORT, appProtocol: 'http' }] } };
}

/** Copy i: its Deployment and its Service. */
export function copyObjects(i: number): { deployment: Obj; service: Obj } {
  const name = copyName(i);
  const labels = { [WORKLOAD_LABEL]: 'sample', [COPY_LABEL]: String(i), [MANAGED_BY_LABEL]: MANAGED_BY };
  return { deployment: deployment(name, labels, WORKLOAD_IMAGE, WORKLOAD_PORT), service: service(name, { app: name }, labels) };
}

export function allCopiesService(): Obj {
  return service(ALL_SERVICE, { [WORKLOAD_LABEL]: 'sample' }, { [MANAGED_BY_LABEL]: MANAGED_BY });
}

export function clientDeployment(): Obj {
  const d = deployment(CLIENT, { [MANAGED_BY_LABEL]: MANAGED_BY }, CLIENT_IMAGE, CLIENT_PORT);
  const container = ((d.spec as Obj).template as { spec: { containers: Obj[] } }).spec.containers[0];
  delete container.readinessProbe; // the client has no /get; Ready when its containers run
  return d;
}

/** The route timed at each step: a GAMMA HTTPRoute on copy 0's Service redirecting to a host named for the step. */
export function pushRoute(namespace: string, step: number): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: PUSH_ROUTE, namespace },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: copyName(0), port: SERVICE_PORT }],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: pushHost(step), statusCode: 302 } }] }],
    },
  };
}

export const pushHost = (step: number) => `push-${step}.scale-test.example`;
