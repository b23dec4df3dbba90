// The shape of one Gateway API mesh conformance test, as data: what it applies and, case by case, the request the
// echo client sends and what the answer must show. Mirrors upstream's suite.ConformanceTest and
// http.ExpectedResponse as the mesh tests use them (conformance/utils/echo/pod.go compares only what is marked so).
import type { FeatureName } from './features.js';

/** The echo apps of the base manifests (echo.MeshAppEchoV1/V2: pods labelled app=echo,version=v1|v2). */
export type EchoApp = 'echo-v1' | 'echo-v2';
/** suite.MeshNamespace / suite.MeshConsumerNamespace. */
export const MESH_NAMESPACE = 'gateway-conformance-mesh';
export const MESH_CONSUMER_NAMESPACE = 'gateway-conformance-mesh-consumer';

export interface MeshRequest {
  /** `http` (default) or `grpc`. */
  protocol?: 'http' | 'grpc';
  /** Host (and port) the client dials; default `echo`. */
  host?: string;
  /** Instead of host: this app's pod IP and a port (MeshFrontend's "Send to pod IP"). */
  podAddressOf?: { app: EchoApp; port: number };
  path?: string;
  /** Default GET for http; never sent for grpc. */
  method?: string;
  headers?: Record<string, string>;
}

export interface MeshCase {
  /** Upstream's TestCaseName, when it sets one; otherwise the name is derived as GetTestCaseName does. */
  name?: string;
  /** The pod the request is sent from (default echo-v1 in the mesh namespace). */
  client?: { app: EchoApp; namespace?: string };
  request: MeshRequest;
  /** Any of these status codes passes (default [200]). */
  statusCodes?: number[];
  /** Response headers that must have these values. */
  responseHeaders?: Record<string, string>;
  /** Response headers that must be absent. */
  absentResponseHeaders?: string[];
  /** The serving pod's name must start with this (empty: any pod). */
  backend?: EchoApp;
  /** What the backend must have received. */
  expectedRequest?: {
    headers?: Record<string, string>;
    absentHeaders?: string[];
    /** Stated by the upstream test but not compared in mesh mode (echo.compareRequest ignores it); shown on the site. */
    path?: string;
  };
  /** The redirect the test names; like upstream's mesh comparison, only the status code is checked. */
  redirect?: { scheme?: string; host?: string; port?: string; path?: string };
}

export interface WeightedCheck {
  request: MeshRequest;
  /** Expected share of requests per backend (weight.TestWeightedDistributionBatch). */
  weights: Partial<Record<EchoApp, number>>;
}

export interface MeshConformanceTest {
  shortName: string;
  description: string;
  features: readonly FeatureName[];
  /** Upstream paths relative to conformance/ (vendored in upstream/gateway-api/). */
  manifests: readonly string[];
  provisional?: boolean;
  /** The upstream Go file the definition mirrors. */
  source: string;
  cases: readonly MeshCase[];
  weighted?: WeightedCheck;
}
