// One probe attempt, as the kubelet makes it: HTTP GET (2xx/3xx is success) or a TCP connect, against
// the container's own listen address. Exec probes run in the container (process/exec-probe.ts); one that reaches
// here had no container to run in and counts as passing. Thresholds and timing: pod/container-probes.ts.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Probe } from './kinds.js';
import type { ContainerPort } from './workload.js';

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, worded as the kubelet's Unhealthy events are. */
  message?: string;
}

export function resolveProbePort(port: number | string, ports: ContainerPort[]): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return ports.find((p) => p.name === port)?.containerPort;
}

/**
 * `ownAddresses`: the pod's addresses. A probe whose `host` names anything else fails without connecting: the
 * node's probes would otherwise let a pod spec reach any address from the node (upstream allows it; the
 * sandbox's node is the playground's host).
 */
export function runProbe(probe: Probe, host: string, ports: ContainerPort[], ownAddresses: string[] = [host]): Promise<ProbeResult> {
  const foreign = [probe.httpGet?.host, probe.tcpSocket?.host].find((h) => h !== undefined && h !== '' && !ownAddresses.includes(h));
  if (foreign !== undefined) return Promise.resolve({ ok: false, message: `probe host "${foreign}" is not this pod's address; the sandbox probes only the pod itself` });
  const timeoutMs = Math.max(1, probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const port = resolveProbePort(probe.httpGet.port, ports);
    if (port === undefined) return Promise.resolve({ ok: false, message: `port "${probe.httpGet.port}" is not a declared container port` });
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
    for (const h of probe.httpGet.httpHeaders ?? []) headers[h.name] = h.value;
    const target = probe.httpGet.host ?? host;
    return new Promise((resolve) => {
      const req = request({ host: target, port, path: probe.httpGet!.path ?? '/', method: 'GET', headers, timeout: timeoutMs }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
      req.on('error', (err) => resolve({ ok: false, message: `Get "http://${target}:${port}${probe.httpGet!.path ?? '/'}": ${err.message}` }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = resolveProbePort(probe.tcpSocket.port, ports);
    if (port === undefined) return Promise.resolve({ ok: false, message: `port "${probe.tcpSocket.port}" is not a declared container port` });
    const target = probe.tcpSocket.host ?? host;
    return new Promise((resolve) => {
      const socket = connect({ host: target, port, timeout: timeoutMs });
      socket.on('connect', () => { socket.destroy(); resolve({ ok: true }); });
      socket.on('timeout', () => { socket.destroy(); resolve({ ok: false, message: `dial tcp ${target}:${port}: i/o timeout` }); });
      socket.on('error', (err) => resolve({ ok: false, message: `dial tcp ${target}:${port}: ${err.message}` }));
    });
  }
  return Promise.resolve({ ok: true });
}
