// Config push latency: from a write of a route object through the Kubernetes API — an HTTPS server-side apply PATCH
// to the sandbox's API server, the request `kubectl apply --server-side` sends — until EVERY one of N meshed client
// pods routes by it (goal ≤ 100 ms at p99). "Routes by it" is observed, not inferred: each client's sidecar is sent
// requests back to back until its reply shows the rule just written; a client counts at the moment that reply
// arrives (an upper bound: the sidecar switched at most one round trip earlier, and the round trip is printed as the
// measurement's resolution). Each iteration writes a rule with a new name that redirects to a new host, so the
// client's own sidecar answers (302, Location naming the iteration) and a probe costs one proxy hop, not three: with
// 20 clients probing through to a backend, the probes' own load (~45 ms round trips on 2 cores) swamped what they
// measure. The control plane's share (write sent → a snapshot holding the rule published) is printed beside it.
// Everything runs in this process, as the embedded sandbox does: the pollers share the 2 cores with the control
// plane and the sidecars, so the figure includes the cost of being measured by live traffic.
// `npm run bench -- config-push`; CONFIG_PUSH_ITERATIONS (default 40), CONFIG_PUSH_CLIENTS (default 20).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { startSandbox, applyObjects, parseManifest, readManifest, DEBUG_REQUEST_HEADER, DEBUG_ROUTE_HEADER, LINKERD_INJECT, SIDECAR_OUTBOUND_PORT, type Sandbox, type MeshSnapshot } from '../sandbox/index.js';

const ITERATIONS = Number(process.env.CONFIG_PUSH_ITERATIONS ?? 40);
const WARMUP_ITERATIONS = 3;
const CLIENTS = Number(process.env.CONFIG_PUSH_CLIENTS ?? 20);
const GOAL_P99_MS = 100;
const NAMESPACE = 'config-push';
const SERVICE = 'httpbin';
const SERVICE_PORT = 8000;
const ITERATION_TIMEOUT_MS = 10_000;
const MAX_POLLS_PER_CLIENT = 20_000; // per iteration; a poll is one request, so this bounds a stuck iteration in count too
const PAUSE_BETWEEN_MS = 150;

/**
 * A route kind whose push is measured: the object written in iteration `i` (a rule named `push-<i>` that differs per
 * iteration), where the API serves it, and how a client's reply shows its sidecar routing by that object.
 */
interface PushCase {
  name: string;
  /** `/apis/<group>/<version>/namespaces/<ns>/<plural>`. */
  collection: string;
  objectName: string;
  manifest(i: number): Record<string, unknown>;
  /** Whether a client's reply shows its sidecar routing by the object of iteration `i`. */
  routedBy(reply: ProbeReply, i: number): boolean;
}

interface ProbeReply {
  status: number;
  location?: string;
  /** `x-mesh-route` (the probes send `x-mesh-debug: 1`; proxied replies carry it, the proxy's own redirects do not). */
  route?: string;
}

/** A redirect to `push-<i>.example`, answered by the client's sidecar, is iteration i's rule at work. */
const redirectedTo = (reply: ProbeReply, host: string) => {
  if (reply.status !== 302 || !reply.location) return false;
  try {
    return new URL(reply.location).hostname === host;
  } catch {
    return false;
  }
};

const GATEWAY_API_HTTPROUTE: PushCase = {
  name: 'Gateway API HTTPRoute',
  collection: `/apis/gateway.networking.k8s.io/v1/namespaces/${NAMESPACE}/httproutes`,
  objectName: 'push',
  manifest: (i) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'push', namespace: NAMESPACE },
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: SERVICE, port: SERVICE_PORT }],
      rules: [{ name: `push-${i}`, filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: `push-${i}.example`, statusCode: 302 } }] }],
    },
  }),
  routedBy: (reply, i) => redirectedTo(reply, `push-${i}.example`),
};

/** The same measurement for an Istio VirtualService (`http[].redirect.authority`, as Istio's HTTPRedirect). */
const ISTIO_VIRTUAL_SERVICE: PushCase = {
  name: 'Istio VirtualService',
  collection: `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices`,
  objectName: 'push-vs',
  manifest: (i) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'push-vs', namespace: NAMESPACE },
    spec: { hosts: [SERVICE], http: [{ name: `push-${i}`, redirect: { authority: `push-${i}.example`, redirectCode: 302 } }] },
  }),
  routedBy: (reply, i) => redirectedTo(reply, `push-${i}.example`),
};

const CASES: PushCase[] = [GATEWAY_API_HTTPROUTE, ISTIO_VIRTUAL_SERVICE];

interface Client {
  pod: string;
  localHost: string;
  agent: HttpAgent;
}

/** One request from a client pod through its sidecar (body drained). */
function probe(c: Client): Promise<ProbeReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: c.localHost, port: SIDECAR_OUTBOUND_PORT, path: '/get', agent: c.agent, timeout: 5_000, headers: { host: `${SERVICE}:${SERVICE_PORT}`, [DEBUG_REQUEST_HEADER]: '1' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, route: res.headers[DEBUG_ROUTE_HEADER] as string | undefined }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${c.pod}: no reply in 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Round trips of the probes of measured iterations: the measurement's resolution. */
const probeRoundTrips: number[] = [];

/** Until the client's replies show iteration i's object at work: the time the first such reply arrived. */
async function untilRouted(c: Client, pc: PushCase, i: number, deadline: number, roundTrips?: number[]): Promise<number> {
  let last: ProbeReply | undefined;
  for (let n = 0; n < MAX_POLLS_PER_CLIENT && performance.now() < deadline; n++) {
    const sent = performance.now();
    last = await probe(c);
    const now = performance.now();
    roundTrips?.push(now - sent);
    if (pc.routedBy(last, i)) return now;
  }
  throw new Error(`${c.pod}: no reply showed ${pc.name} iteration ${i} at work within ${ITERATION_TIMEOUT_MS} ms (last reply: ${JSON.stringify(last)})`);
}

/** Server-side apply of `body`, as `kubectl apply --server-side` sends it. */
function serverSideApply(sb: Sandbox, agent: HttpsAgent, path: string, body: Record<string, unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${path}?fieldManager=kubectl&force=true`, sb.url);
    const payload = JSON.stringify(body);
    const req = httpsRequest(
      url,
      {
        method: 'PATCH',
        agent,
        ca: sb.caCertificate,
        headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/apply-patch+yaml', accept: 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 || res.statusCode === 201 ? resolve(res.statusCode) : reject(new Error(`PATCH ${path}: HTTP ${res.statusCode}`))));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`PATCH ${path}: no reply in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Resolves with the time the control plane publishes a snapshot in which the Service's routes hold rule `label`. */
function snapshotHolding(sb: Sandbox, label: string): { published: Promise<number>; cancel(): void } {
  let unsubscribe = () => {};
  const published = new Promise<number>((resolve) => {
    const holds = (s: MeshSnapshot) => s.namespaces.get(NAMESPACE)?.producerRoutes.get(SERVICE)?.entries.some((e) => e.rule.label === label) ?? false;
    unsubscribe = sb.mesh!.controlPlane.subscribe((s) => {
      if (holds(s)) {
        resolve(performance.now());
        queueMicrotask(() => unsubscribe());
      }
    });
  });
  return { published, cancel: () => unsubscribe() };
}

/** Nearest-rank percentile of a sample (p99 of 40 values is the largest). */
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function measure(sb: Sandbox, clients: Client[], c: PushCase): Promise<void> {
  const apiAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
  const objectPath = `${c.collection}/${c.objectName}`;
  const all: number[] = [];
  const plane: number[] = [];
  const writes: number[] = [];
  const firstClient: number[] = [];
  // The object exists before the first measured write, as in a lesson that edits and re-applies a route.
  await serverSideApply(sb, apiAgent, objectPath, c.manifest(-1));
  await Promise.all(clients.map((cl) => untilRouted(cl, c, -1, performance.now() + ITERATION_TIMEOUT_MS)));
  for (let i = 0; i < WARMUP_ITERATIONS + ITERATIONS; i++) {
    await new Promise((r) => setTimeout(r, PAUSE_BETWEEN_MS));
    const snapshot = snapshotHolding(sb, `${c.objectName}/push-${i}`);
    const t0 = performance.now();
    const deadline = t0 + ITERATION_TIMEOUT_MS;
    try {
      const written = serverSideApply(sb, apiAgent, objectPath, c.manifest(i)).then(() => performance.now());
      const routed = await Promise.all(clients.map((cl) => untilRouted(cl, c, i, deadline, i < WARMUP_ITERATIONS ? undefined : probeRoundTrips)));
      const [writtenAt, publishedAt] = await Promise.all([written, snapshot.published]);
      if (i < WARMUP_ITERATIONS) continue;
      all.push(Math.max(...routed) - t0);
      firstClient.push(Math.min(...routed) - t0);
      plane.push(publishedAt - t0);
      writes.push(writtenAt - t0);
    } finally {
      snapshot.cancel();
    }
  }
  apiAgent.destroy();
  // Gone before the next case: a Gateway API route left on the Service would win over a VirtualService.
  const [, , group, , , , plural] = c.collection.split('/');
  sb.api.delete(sb.api.type(group, plural), NAMESPACE, c.objectName);
  const row = (label: string, xs: number[]) =>
    console.log(`  ${label.padEnd(44)} p50 ${percentile(xs, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(xs, 99).toFixed(1).padStart(7)} ms   max ${Math.max(...xs).toFixed(1).padStart(7)} ms`);
  console.log(`${c.name}: ${ITERATIONS} writes (after ${WARMUP_ITERATIONS} warm-up), ${clients.length} meshed clients`);
  row('API write (server-side apply PATCH) answered', writes);
  row('snapshot with the rule published', plane);
  row('first client routing by it', firstClient);
  row(`every client routing by it (${clients.length} sidecars)`, all);
  row(`probe round trip (${clients.length} in flight: the resolution)`, probeRoundTrips.splice(0));
  const p99 = percentile(all, 99);
  console.log(`  goal: every sidecar routing by it within ${GOAL_P99_MS} ms at p99 — ${p99 <= GOAL_P99_MS ? 'met' : 'NOT met'} (${p99.toFixed(1)} ms)`);
}

async function main(): Promise<void> {
  const sb = await startSandbox({ readinessIntervalMs: 200 });
  try {
    sb.api.create(sb.api.type('', 'namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE, labels: { [LINKERD_INJECT]: 'enabled' } } });
    applyObjects(sb.api, parseManifest(readManifest('httpbin')), NAMESPACE);
    applyObjects(sb.api, parseManifest(readManifest('sleep')), NAMESPACE);
    const deployments = sb.api.type('apps', 'deployments');
    const sleep = sb.api.get(deployments, NAMESPACE, 'sleep');
    sb.api.update(deployments, { ...sleep, spec: { ...(sleep.spec as object), replicas: CLIENTS } });
    await sb.waitForReady(NAMESPACE, 120_000);
    const clients: Client[] = sb.api
      .list(sb.api.type('', 'pods'), NAMESPACE)
      .items.filter((p) => p.metadata.labels?.app === 'sleep')
      .map((p) => {
        const localHost = sb.runtime.addressesOf(NAMESPACE, p.metadata.name!)?.localHost;
        if (!localHost) throw new Error(`client pod ${p.metadata.name} has no addresses`);
        return { pod: p.metadata.name!, localHost, agent: new HttpAgent({ keepAlive: true, maxSockets: 1, localAddress: localHost }) };
      });
    if (clients.length !== CLIENTS) throw new Error(`${clients.length} client pods running, ${CLIENTS} wanted`);
    for (const c of CASES) await measure(sb, clients, c);
    for (const c of clients) c.agent.destroy();
  } finally {
    await sb.stop();
  }
}

await main();
