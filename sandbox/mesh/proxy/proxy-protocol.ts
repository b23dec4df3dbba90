// The messages between the main thread and the data-plane worker (proxy-host.ts ↔ proxy-worker.ts). Everything
// here survives structured clone: plain objects, Maps, Dates, CryptoKeys — no class instances, no functions.
import type { CompileInputs } from '../control-plane/control-plane.js';
import type { IssuedCertificate } from '../identity/ca.js';

/** What a sidecar in the worker knows of its container (the serializable part of its WorkloadContext). */
export interface RemoteWorkloadSpec {
  namespace: string;
  podName: string;
  podUid: string;
  serviceAccount: string;
  containerName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  podIP: string;
  listenHost: string;
  localHost: string;
  env: Record<string, string>;
  /** The ports the pod's apps listen on at localHost now (then pushed as `listening` messages). */
  appListeners: number[];
  /** The control plane's answer for the pod's app container ports (used when the injector's env var is absent). */
  appPorts: number[];
}

/** The worker's view of a connection the main thread's ingress gate judges. */
export interface ConnectionFacts {
  remoteAddress?: string;
  localAddress?: string;
  localPort?: number;
}

export type ToWorker =
  | { t: 'config'; inputs: CompileInputs; reset?: boolean }
  | { t: 'start'; id: number; spec: RemoteWorkloadSpec; certificateTtlMs: number; rootPem: string }
  | { t: 'stop'; id: number }
  | { t: 'listening'; id: number; port: number; listening: boolean }
  /** The ingress gate refused an admitted connection again (a NetworkPolicy changed): reset it. */
  | { t: 'reset'; id: number; conn: number }
  | { t: 'reply'; rid: number; ok: true; value: unknown }
  | { t: 'reply'; rid: number; ok: false; message: string; code?: string }
  | { t: 'ask'; rid: number; q: WorkerQuery };

/** What the main thread asks the worker. */
export type WorkerQuery = { q: 'metrics' } | { q: 'sync' };

export type FromWorker =
  | { t: 'started'; id: number }
  | { t: 'failed'; id: number; message: string }
  | { t: 'stopped'; id: number }
  | { t: 'log'; id: number; line: string }
  | { t: 'closed'; id: number; conn: number }
  | { t: 'ask'; rid: number; q: MainQuery }
  | { t: 'reply'; rid: number; ok: true; value: unknown }
  | { t: 'reply'; rid: number; ok: false; message: string };

/** What the worker asks the main thread. */
export type MainQuery =
  | { q: 'issue'; spiffeId: string; publicKey: CryptoKey; ttlMs: number }
  | { q: 'admit'; id: number; conn: number; facts: ConnectionFacts }
  | { q: 'dial'; id: number; ip: string; port?: number };

export type IssueReply = IssuedCertificate;
