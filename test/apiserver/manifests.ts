// Manifests shared by the API server tests. The HTTPRoute spells out its schema defaults (weight, group,
// kind, path match): a real API server defaults them inside lists, and kubectl's client-side apply
// compares whole lists for CRDs, so only a fully spelled-out route re-applies as "unchanged" anywhere.
export const deployment = (o: { name?: string; replicas?: number; image?: string; env?: boolean } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${o.name ?? 'reviews'}
  labels: {app: reviews}
spec:
  replicas: ${o.replicas ?? 2}
  selector:
    matchLabels: {app: reviews}
  template:
    metadata:
      labels: {app: reviews, version: v1}
    spec:
      containers:
      - name: reviews
        image: ${o.image ?? 'playground/bookinfo-reviews:v1'}
        ports:
        - containerPort: 9080
${o.env === false ? '' : '        env:\n        - {name: LOG_LEVEL, value: info}\n'}`;

export const service = (name = 'reviews') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels: {app: reviews}
spec:
  selector: {app: reviews}
  ports:
  - name: http
    port: 9080
`;

export const configMap = (mode = 'a', name = 'settings') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  mode: "${mode}"
`;

export const httpRoute = (o: { name?: string; w1?: number; w2?: number; extra?: string } = {}) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${o.name ?? 'reviews-split'}
spec:
  parentRefs:
  - {group: "", kind: Service, name: reviews, port: 9080}
${o.extra ?? ''}  rules:
  - matches:
    - path: {type: PathPrefix, value: /}
    backendRefs:
    - {group: "", kind: Service, name: reviews-v1, port: 9080, weight: ${o.w1 ?? 90}}
    - {group: "", kind: Service, name: reviews-v2, port: 9080, weight: ${o.w2 ?? 10}}
`;

export const trafficSplit = (w = 50, name = 'reviews-ts') => `apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata:
  name: ${name}
spec:
  service: reviews
  backends:
  - {service: reviews-v1, weight: ${w}}
  - {service: reviews-v2, weight: ${100 - w}}
`;

export const pod = (name: string, labels: Record<string, string> = { app: 'reviews' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'playground/bookinfo-reviews:v1' }] },
});

export const docs = (...parts: string[]) => parts.join('---\n');
