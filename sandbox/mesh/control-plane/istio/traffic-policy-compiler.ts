// Istio DestinationRule `trafficPolicy` (top level, per subset, per port) → the TrafficPolicy a client sidecar
// enforces (circuit breaking, outlier detection, load balancer, client TLS). Unsupported fields go to `problems`.
// Callers pass one policy object at a time: `portLevelSettings` (and a port entry's `port`) are theirs to walk, so
// they are skipped here without a problem. Fields left unset stay unset: the data plane applies Istio's defaults
// (trafficPolicyFor() merges a subset's policy over the rule's, field by field, which needs "unset" to be visible).
import type { TrafficPolicy } from '../../config/snapshot.js';
import { parseIstioDuration } from './istio-duration.js';

type ConnectionPool = NonNullable<TrafficPolicy['connectionPool']>;
type OutlierDetection = NonNullable<TrafficPolicy['outlierDetection']>;

/**
 * Istio's outlierDetection defaults (networking/v1alpha3/destination_rule.proto): 5 consecutive 5xx, a 10 s
 * interval, 30 s base ejection, at most 10 % of the endpoints ejected.
 */
export const OUTLIER_DEFAULTS = { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 10 } as const;

const LB_SIMPLE = new Set(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH']);
/** Envoy/Istio cap: counts are uint32/int32 on the wire; larger values are rejected by the CRD anyway. */
const MAX_COUNT = 2 ** 32 - 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function compileTrafficPolicy(raw: unknown, where: string, problems: string[]): TrafficPolicy | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) {
    problems.push(`${where}: must be an object`);
    return undefined;
  }
  const out: TrafficPolicy = {};
  for (const [key, value] of Object.entries(raw)) {
    const at = `${where}.${key}`;
    switch (key) {
      case 'connectionPool': {
        const pool = compileConnectionPool(value, at, problems);
        if (pool) out.connectionPool = pool;
        break;
      }
      case 'outlierDetection': {
        const od = compileOutlierDetection(value, at, problems);
        if (od) out.outlierDetection = od;
        break;
      }
      case 'loadBalancer': {
        const lb = compileLoadBalancer(value, at, problems);
        if (lb) out.loadBalancer = lb;
        break;
      }
      case 'tls': {
        const tls = compileTls(value, at, problems);
        if (tls) out.tls = tls;
        break;
      }
      case 'portLevelSettings':
      case 'port':
        break; // the caller's (one compileTrafficPolicy call per port entry)
      default:
        problems.push(`${at} is not supported by the sandbox mesh (ignored)`);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** A non-negative integer count; `undefined` (with a problem) for anything else. */
function count(value: unknown, at: string, problems: string[]): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT) return value;
  problems.push(`${at}: must be a non-negative integer, got ${JSON.stringify(value)}`);
  return undefined;
}

function duration(value: unknown, at: string, problems: string[]): number | undefined {
  const ms = parseIstioDuration(value);
  if (typeof ms === 'number') return ms;
  problems.push(`${at}: ${ms.error}`);
  return undefined;
}

function compileConnectionPool(raw: unknown, where: string, problems: string[]): ConnectionPool | undefined {
  if (!isObject(raw)) return void problems.push(`${where}: must be an object`);
  const out: ConnectionPool = {};
  for (const [key, value] of Object.entries(raw)) {
    const at = `${where}.${key}`;
    if ((key !== 'tcp' && key !== 'http') || !isObject(value)) {
      problems.push(key === 'tcp' || key === 'http' ? `${at}: must be an object` : `${at} is not supported by the sandbox mesh (ignored)`);
      continue;
    }
    for (const [field, v] of Object.entries(value)) {
      const f = `${at}.${field}`;
      const set = (name: Exclude<keyof ConnectionPool, 'useClientProtocol'>, n: number | undefined) => {
        // Istio: 0 means "use the default" (unlimited) for these counts.
        if (n !== undefined && n > 0) out[name] = n;
      };
      if (key === 'tcp' && field === 'maxConnections') set('maxConnections', count(v, f, problems));
      else if (key === 'tcp' && field === 'connectTimeout') {
        const ms = duration(v, f, problems);
        if (ms !== undefined && ms > 0) out.connectTimeoutMs = ms;
      } else if (key === 'http' && field === 'http1MaxPendingRequests') set('maxPendingRequests', count(v, f, problems));
      else if (key === 'http' && field === 'http2MaxRequests') set('maxRequests', count(v, f, problems));
      else if (key === 'http' && field === 'maxRequestsPerConnection') set('maxRequestsPerConnection', count(v, f, problems));
      else if (key === 'http' && field === 'maxRetries') set('maxRetries', count(v, f, problems));
      else if (key === 'http' && field === 'useClientProtocol') {
        if (typeof v !== 'boolean') problems.push(`${f}: must be a boolean, got ${JSON.stringify(v)}`);
        else if (v) out.useClientProtocol = true;
      }
      else if (key === 'http' && field === 'h2UpgradePolicy') {
        // DEFAULT is the mesh's h2UpgradePolicy, DO_NOT_UPGRADE (Istio's default): both are what the sidecar does.
        if (v === 'UPGRADE') {
          problems.push(
            value.useClientProtocol === true
              ? `${f}: UPGRADE must not be set with useClientProtocol: true (Istio rejects the rule; useClientProtocol applies)`
              : `${f}: UPGRADE is not supported by the sandbox mesh (ignored: HTTP/1.1 clients stay HTTP/1.1 upstream)`,
          );
        } else if (v !== 'DEFAULT' && v !== 'DO_NOT_UPGRADE') problems.push(`${f}: unknown policy ${JSON.stringify(v)} (expected DEFAULT, DO_NOT_UPGRADE or UPGRADE)`);
      }
      else problems.push(`${f} is not supported by the sandbox mesh (ignored)`);
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function compileOutlierDetection(raw: unknown, where: string, problems: string[]): OutlierDetection | undefined {
  if (!isObject(raw)) return void problems.push(`${where}: must be an object`);
  const out: OutlierDetection = {
    consecutive5xxErrors: OUTLIER_DEFAULTS.consecutive5xxErrors,
    intervalMs: OUTLIER_DEFAULTS.intervalMs,
    baseEjectionTimeMs: OUTLIER_DEFAULTS.baseEjectionTimeMs,
    maxEjectionPercent: OUTLIER_DEFAULTS.maxEjectionPercent,
  };
  for (const [key, value] of Object.entries(raw)) {
    const at = `${where}.${key}`;
    switch (key) {
      case 'consecutive5xxErrors':
      case 'consecutiveGatewayErrors': {
        // UInt32Value: 0 disables that detector.
        const n = count(value, at, problems);
        if (n !== undefined) out[key] = n;
        break;
      }
      case 'consecutiveErrors': {
        // Deprecated (Istio's circuit-breaking task still writes it): Istio maps it to consecutive gateway errors
        // and turns the 5xx detector off (pilot cluster_traffic_policy.go, istio/api#617).
        const n = count(value, at, problems);
        if (n !== undefined && n > 0) {
          out.consecutiveGatewayErrors = n;
          if (!('consecutive5xxErrors' in raw)) out.consecutive5xxErrors = 0;
        }
        break;
      }
      case 'interval':
      case 'baseEjectionTime': {
        const ms = duration(value, at, problems);
        if (ms !== undefined && ms > 0) out[key === 'interval' ? 'intervalMs' : 'baseEjectionTimeMs'] = ms;
        break;
      }
      case 'maxEjectionPercent': {
        const n = count(value, at, problems);
        if (n !== undefined) out.maxEjectionPercent = Math.min(100, n);
        break;
      }
      default:
        problems.push(`${at} is not supported by the sandbox mesh (ignored)`);
    }
  }
  return out;
}

function compileLoadBalancer(raw: unknown, where: string, problems: string[]): TrafficPolicy['loadBalancer'] {
  if (!isObject(raw)) return void problems.push(`${where}: must be an object`);
  let lb: TrafficPolicy['loadBalancer'];
  for (const [key, value] of Object.entries(raw)) {
    const at = `${where}.${key}`;
    if (key !== 'simple') {
      problems.push(`${at} is not supported by the sandbox mesh (ignored; the default LEAST_REQUEST balancing applies)`);
      continue;
    }
    // LEAST_CONN is the deprecated name of LEAST_REQUEST; UNSPECIFIED is Istio's default (LEAST_REQUEST).
    const name = value === 'LEAST_CONN' || value === 'UNSPECIFIED' ? 'LEAST_REQUEST' : value;
    if (typeof name === 'string' && LB_SIMPLE.has(name)) lb = name as TrafficPolicy['loadBalancer'];
    else problems.push(`${at}: unknown load balancer ${JSON.stringify(value)} (expected ROUND_ROBIN, LEAST_REQUEST, RANDOM or PASSTHROUGH)`);
  }
  return lb;
}

function compileTls(raw: unknown, where: string, problems: string[]): TrafficPolicy['tls'] {
  if (!isObject(raw)) return void problems.push(`${where}: must be an object`);
  let mode: TrafficPolicy['tls'];
  for (const [key, value] of Object.entries(raw)) {
    const at = `${where}.${key}`;
    if (key !== 'mode') {
      problems.push(`${at} is not supported by the sandbox mesh (ignored)`);
      continue;
    }
    if (value === 'ISTIO_MUTUAL' || value === 'DISABLE') mode = value;
    else if (value === 'SIMPLE' || value === 'MUTUAL') problems.push(`${at}: ${value} (TLS with your own certificates) is not supported by the sandbox mesh; the sidecar keeps ISTIO_MUTUAL`);
    else problems.push(`${at}: unknown TLS mode ${JSON.stringify(value)} (expected DISABLE, SIMPLE, MUTUAL or ISTIO_MUTUAL)`);
  }
  return mode;
}
