// List-and-watch, as client-go's Reflector does it (tools/cache/reflector.go): list a collection, keep its
// objects in a store, watch from the list's resourceVersion, re-watch from the last event's resourceVersion
// when a watch ends (the server's timeoutSeconds), and list again when the server answers 410 Gone (the
// version was compacted away) or anything else unexpected. Bounded: a deadline and a number of rounds.
import { ApiError } from '../api/errors.js';
import type { KubeHttp } from './kube-http.js';
import { readJsonLines } from './stream-lines.js';

/** The part of an object list-and-watch needs. */
export interface WatchedObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
}

/** Objects by `namespace/name`, as the last list and the events since left them. */
export type ObjectStore<T> = ReadonlyMap<string, T>;

export interface ListWatchOptions<T extends WatchedObject> {
  /** The collection, e.g. /apis/apps/v1/namespaces/x/deployments. */
  path: string;
  /** Stop as soon as this holds (checked after each list and each event). */
  until: (store: ObjectStore<T>) => boolean;
  /** Epoch ms after which it gives up. */
  deadline: number;
  signal?: AbortSignal;
  /** Lists plus watches at most (a server that ends every watch at once must not spin). */
  maxRounds?: number;
}

export interface ListWatchOutcome<T> {
  /** `until` held before the deadline. */
  done: boolean;
  store: ObjectStore<T>;
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T | { kind?: string; code?: number; metadata?: { resourceVersion?: string } };
}

export const DEFAULT_LIST_WATCH_ROUNDS = 50;

const keyOf = (o: WatchedObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Lists, then watches, until `until(store)` holds or the deadline passes; a cancelled `signal` throws Cancelled. */
export async function listAndWatch<T extends WatchedObject>(http: KubeHttp, opts: ListWatchOptions<T>): Promise<ListWatchOutcome<T>> {
  const { path, until, deadline, signal } = opts;
  const store = new Map<string, T>();
  let resourceVersion: string | undefined; // undefined: (re-)list first
  for (let round = 0; round < (opts.maxRounds ?? DEFAULT_LIST_WATCH_ROUNDS) && Date.now() < deadline; round++) {
    if (signal?.aborted) throw new ApiError(499, 'Cancelled', 'the operation was cancelled');
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const remaining = deadline - Date.now();
    const timer = setTimeout(() => controller.abort(), remaining);
    try {
      if (resourceVersion === undefined) {
        const list = await http.json<{ items: T[]; metadata?: { resourceVersion?: string } }>({ path, signal: controller.signal });
        store.clear(); // a list replaces what the store held (client-go's Store.Replace)
        for (const o of list.items) store.set(keyOf(o), o);
        resourceVersion = list.metadata?.resourceVersion ?? '';
        if (until(store)) return { done: true, store };
      }
      const res = await http.open({
        path,
        query: { watch: 'true', resourceVersion, timeoutSeconds: Math.max(1, Math.ceil(remaining / 1000)), allowWatchBookmarks: 'true' },
        signal: controller.signal,
        timeoutMs: remaining + 1000,
      });
      if ((res.statusCode ?? 0) >= 400) {
        res.resume(); // 410 Gone (too old a version) or another refusal: list again
        resourceVersion = undefined;
        continue;
      }
      try {
        for await (const ev of readJsonLines<WatchEvent<T>>(res)) {
          const rv = ev.object?.metadata?.resourceVersion;
          if (ev.type === 'ERROR') {
            resourceVersion = undefined; // e.g. a Status with code 410, reason Expired: list again
            break;
          }
          if (rv) resourceVersion = rv;
          if (ev.type === 'BOOKMARK') continue;
          const obj = ev.object as T;
          if (!obj.metadata?.name) continue;
          if (ev.type === 'DELETED') store.delete(keyOf(obj));
          else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') store.set(keyOf(obj), obj);
          if (until(store)) return { done: true, store };
        }
      } catch {
        // the stream was cut (deadline, server gone): the next round watches again or lists
      }
    } catch (err) {
      if (signal?.aborted) throw new ApiError(499, 'Cancelled', 'the operation was cancelled');
      if (!(err instanceof ApiError) || (err.reason !== 'Cancelled' && err.code < 500)) throw err;
      resourceVersion = undefined;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
  if (signal?.aborted) throw new ApiError(499, 'Cancelled', 'the operation was cancelled');
  return { done: until(store), store };
}
