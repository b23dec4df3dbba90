// The messages between the main thread and the data-plane worker (proxy-host.ts ↔ proxy-worker.ts). Everything
// here survives structured clone: plain objects, Maps, Dates, CryptoKeys — no class instances, no functions.
import type { CompileInputs } from '../control-plane/control-plane.js';
import type { StatQuery } from '../control-plane/stat-view.js';
import type { IssuedCertificate } from '../identity/ca.js';
import type { TapEvent } from '../tap.js';
import type { WorkloadContext } from '../../runtime/workload.js';

/** The worker's workerData. */
export interface ProxyWorkerData {
  /** [0]: how many tap subscriptions the main thread's TapHub has (read per request: shared memory, never stale). */
  mainTapSubscribers: Int32Array;
}

/** What a sidecar in the worker knows of its container (the serializable part of its WorkloadContext). */
export interface RemoteWorkloadSpec
  extends Pick<WorkloadContext, 'namespace' | 'podName' | 'podUid' | 'serviceAccount' | 'containerName' | 'labels' | 'annotations' | 'podIP' | 'listenHost' | 'localHost' | 'env'> {
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

/**
 * What the main thread asks the worker. `module`: the URL of the module the worker runs — the prebuilt bundle
 * (dist/mesh/proxy-worker.mjs) or, when it fell back to tsx, the TypeScript entry.
 */
export type WorkerQuery = { q: 'stat'; query: StatQuery } | { q: 'sync' } | { q: 'module' };

export type FromWorker =
  | { t: 'started'; id: number }
  | { t: 'failed'; id: number; message: string }
  | { t: 'stopped'; id: number }
  | { t: 'log'; id: number; line: string }
  /** A tap event, sent while the main thread's TapHub has subscribers. */
  | { t: 'tap'; event: TapEvent }
  /** An admitted connection closed (`bytes`: read and written, for the pod's traffic count). */
  | { t: 'closed'; id: number; conn: number; bytes: number }
  /** Open admitted connections' bytes so far, [sidecar id, connection id, bytes], those that changed (once a second). */
  | { t: 'bytes'; counts: [number, number, number][] }
  | { t: 'ask'; rid: number; q: MainQuery }
  | { t: 'reply'; rid: number; ok: true; value: unknown }
  | { t: 'reply'; rid: number; ok: false; message: string };

/** The answer to a `dial` ask: undefined = allowed, else the error's fields (the worker rebuilds the error). */
export type DialReply = { message: string; code?: string; errno?: number; syscall?: string } | undefined;

/** What the worker asks the main thread. */
export type MainQuery =
  | { q: 'issue'; spiffeId: string; publicKey: CryptoKey; ttlMs: number }
  | { q: 'admit'; id: number; conn: number; facts: ConnectionFacts }
  | { q: 'dial'; id: number; ip: string; port?: number };

export type IssueReply = IssuedCertificate;
