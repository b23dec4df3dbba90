// Multi-mesh results: the mesh a run went through, from the proxy injected into the generator pod, recorded as
// SMP ServiceMeshConfig / EnvironmentConfig messages that protobufjs parses strictly from the vendored protos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meshOfPod, toSmpEnvironmentConfig, toSmpServiceMeshConfig } from '../../playground-server/benchmarks/mesh-environment.js';
import { parseSmpMessage } from '../../playground-server/loadgen/reports/smp-proto.js';

const pod = (containers: { name: string; image: string }[], annotations: Record<string, string> = {}) => ({ metadata: { annotations }, spec: { containers } });

test('the mesh comes from the injected proxy: sandbox, Istio, Linkerd, or none', () => {
  assert.deepEqual([meshOfPod(pod([{ name: 'loadgen', image: 'playground/loadgen:v1' }, { name: 'linkerd-proxy', image: 'playground/mesh-proxy:v1' }]))].map((m) => [m.name, m.type, m.version]), [['sandbox', 'INVALID_MESH', 'v1']]);
  const istio = meshOfPod(pod([{ name: 'app', image: 'x' }, { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.2' }]));
  assert.deepEqual([istio.name, istio.type, istio.version], ['istio', 'ISTIO', '1.24.2']);
  const linkerd = meshOfPod(pod([{ name: 'app', image: 'x' }, { name: 'linkerd-proxy', image: 'cr.l5d.io/linkerd/proxy:edge-24.11.8' }], { 'linkerd.io/proxy-version': 'edge-24.11.8' }));
  assert.deepEqual([linkerd.name, linkerd.type, linkerd.version], ['linkerd', 'LINKERD', 'edge-24.11.8']);
  assert.equal(meshOfPod(pod([{ name: 'loadgen', image: 'playground/loadgen:v1' }])).name, 'none');
});

test('mesh and environment export as strict SMP ServiceMeshConfig and EnvironmentConfig', () => {
  const mesh = meshOfPod(pod([{ name: 'istio-proxy', image: 'istio/proxyv2:1.24.2' }]));
  const cfg = parseSmpMessage(toSmpServiceMeshConfig({ ...mesh, meshBuild: 'istio/pilot:1.24.2' }, 'istio-1.24.2'), 'ServiceMeshConfig');
  assert.deepEqual(cfg.mesh_type, { type: 'ISTIO', version: '1.24.2', labels: {}, annotations: {} });
  assert.equal(cfg.mesh_build, 'istio/pilot:1.24.2');
  const env = parseSmpMessage(toSmpEnvironmentConfig({ kubernetesVersion: 'v1.32.0', nodes: [{ type: 'linux', cores: 2, memMb: 24576 }], detectedFrom: [] }, 'env-1'), 'EnvironmentConfig');
  assert.equal(env.kubernetes_version, 'v1.32.0');
  assert.deepEqual(env.nodes, [{ type: 'linux', cores: 2, mem_mb: '24576' }]);
});
