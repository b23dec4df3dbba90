// Benchmark: `kubectl get pods` round trip (discovery cached, Table output) against a namespace with 500
// pods vs one with 5, and the server-side cost of the Table list alone. Medians of N runs in one process;
// the figures that matter are the ratios (the machine is shared and noisy).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ObjectStore, ResourceRegistry, ClusterApi, adminIdentity, createApiServer, StaticTokenAuthenticator, writeKubeconfig, createServingCertificate } from '../sandbox/index.js';
import { httpsRoundTrip } from '../test/apiserver/fixture.js';

const RUNS = Number(process.env.RUNS ?? 15);
const TOKEN = 'bench-token';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

function pod(name: string, namespace: string, i: number) {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'reviews', 'pod-template-hash': 'abc123' } },
    spec: { nodeName: 'sandbox', containers: [{ name: 'app', image: 'playground/bookinfo-reviews:v1', ports: [{ containerPort: 9080 }] }, { name: 'sidecar', image: 'playground/mesh-proxy:v1' }] },
    status: {
      phase: 'Running', podIP: `127.1.${i >> 8}.${i & 255}`,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: '2025-01-01T00:00:00Z' } } },
        { name: 'sidecar', ready: true, restartCount: 0, state: { running: { startedAt: '2025-01-01T00:00:00Z' } } },
      ],
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const store = new ObjectStore();
  const api = new ClusterApi(store, ResourceRegistry.default());
  const cert = await createServingCertificate(['127.0.0.1']);
  const tls = { key: cert.keyPem, cert: cert.certPem + cert.caPem };
  const server = createApiServer({ api, tls, authenticator: new StaticTokenAuthenticator().add(TOKEN, adminIdentity('bench')) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, { server: url, token: TOKEN, certificateAuthority: cert.caPem });

  const nsType = api.type('', 'namespaces');
  const podType = api.type('', 'pods');
  for (const [ns, n] of [['small', 5], ['large', 500]] as const) {
    api.create(nsType, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let i = 0; i < n; i++) api.create(podType, pod(`reviews-${i}`, ns, i));
  }

  const kubectl = (ns: string) => new Promise<number>((resolve, reject) => {
    const start = performance.now();
    execFile('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'pods', '-n', ns], { timeout: 30_000, env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir } }, (err, stdout) => {
      if (err) return reject(err);
      if (stdout.trim().split('\n').length < 2) return reject(new Error('no rows'));
      resolve(performance.now() - start);
    });
  });
  const get = (path: string) => httpsRoundTrip(url + path, { method: 'GET', headers: { Authorization: `Bearer ${TOKEN}`, Accept: TABLE }, ca: cert.caPem });
  const fetchTable = async (ns: string) => {
    const start = performance.now();
    await get(`/api/v1/namespaces/${ns}/pods?limit=500`);
    return performance.now() - start;
  };

  await kubectl('small'); // warm discovery cache and JIT
  for (let i = 0; i < 5; i++) { await fetchTable('small'); await fetchTable('large'); }
  const results: Record<string, number[]> = { 'kubectl small': [], 'kubectl large': [], 'table small': [], 'table large': [] };
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so that drift in machine load hits both sides alike.
    results['kubectl small'].push(await kubectl('small'));
    results['kubectl large'].push(await kubectl('large'));
    results['table small'].push(await fetchTable('small'));
    results['table large'].push(await fetchTable('large'));
  }
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  const size = async (ns: string) => (await get(`/api/v1/namespaces/${ns}/pods`)).body.byteLength;
  console.log(`apiserver bench: median of ${RUNS} runs each (ms), same process, interleaved`);
  console.log(`  kubectl get pods, 5 pods:    ${m['kubectl small'].toFixed(1)}`);
  console.log(`  kubectl get pods, 500 pods:  ${m['kubectl large'].toFixed(1)}`);
  console.log(`  ratio 500/5 (kubectl):       ${(m['kubectl large'] / m['kubectl small']).toFixed(2)}x`);
  console.log(`  Table list over HTTP, 5:     ${m['table small'].toFixed(2)}  (${await size('small')} bytes)`);
  console.log(`  Table list over HTTP, 500:   ${m['table large'].toFixed(2)}  (${await size('large')} bytes)`);
  console.log(`  ratio 500/5 (server side):   ${(m['table large'] / m['table small']).toFixed(1)}x; per pod ≈ ${((m['table large'] - m['table small']) / 495 * 1000).toFixed(1)} µs`);
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
}

await main();
