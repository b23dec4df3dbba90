// Watch streams: newline-delimited JSON events ({"type","object"}) over a chunked response. Resumes from a
// resourceVersion; a compacted one yields an ERROR event carrying a 410 Expired Status, as the apiserver
// does. Objects leaving a selector are reported as DELETED, entering it as ADDED.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterApi } from './api.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './store.js';
import { StatusError } from './errors.js';

/** Default and maximum watch duration: the real server picks 30–60 minutes. */
export const MAX_WATCH_SECONDS = 3600;
export const BOOKMARK_INTERVAL_MS = 60_000;
/** A client this far behind is disconnected (it re-lists) rather than buffered without bound. */
export const MAX_WATCH_BUFFER_BYTES = 16 * 1024 * 1024;

export interface WatchRequest {
  api: ClusterApi;
  type: ResourceType;
  namespace: string | undefined;
  resourceVersion: string | undefined;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  filter: ((obj: KubeObject) => boolean) | undefined;
  /** Encodes an object for the wire (apiVersion of the request, or a Table row). */
  encode: (obj: KubeObject) => unknown;
  /** Encodes a BOOKMARK's object. */
  bookmark: (resourceVersion: string) => unknown;
}

/** Streams a watch until the timeout, the client going away, or `stop()` (server shutdown). */
export function serveWatch(req: IncomingMessage, res: ServerResponse, w: WatchRequest): { stop: () => void; done: Promise<void> } {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
  res.flushHeaders();
  let unsubscribe: (() => void) | undefined;
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const inSelector = new Set<string>();

  const finish = () => {
    if (finished) return;
    finished = true;
    unsubscribe?.();
    clearTimeout(timeout);
    clearInterval(bookmarks);
    if (!res.writableEnded) res.end();
    resolveDone();
  };
  const send = (type: string, object: unknown) => {
    if (finished) return;
    res.write(JSON.stringify({ type, object }) + '\n');
    if (res.writableLength > MAX_WATCH_BUFFER_BYTES) finish();
  };

  const seconds = w.timeoutSeconds && w.timeoutSeconds > 0 ? Math.min(w.timeoutSeconds, MAX_WATCH_SECONDS) : MAX_WATCH_SECONDS * (0.5 + Math.random() / 2);
  const timeout = setTimeout(finish, seconds * 1000);
  const bookmarks = setInterval(() => {
    if (w.allowBookmarks) send('BOOKMARK', w.bookmark(w.api.store.resourceVersion));
  }, BOOKMARK_INTERVAL_MS);
  req.on('close', finish);
  res.on('close', finish);

  if (w.filter && w.resourceVersion && w.resourceVersion !== '0') {
    // Objects matching now are assumed to have matched at the client's resourceVersion (its last list).
    for (const obj of w.api.list(w.type, w.namespace).items) if (w.filter(obj)) inSelector.add(key(obj));
  }
  try {
    unsubscribe = w.api.watch(w.type, w.namespace, w.resourceVersion, (event) => {
      const obj = event.object;
      if (!w.filter) return send(event.type, w.encode(obj));
      const k = key(obj);
      const matches = event.type !== 'DELETED' && w.filter(obj);
      if (matches) {
        send(inSelector.has(k) ? event.type : 'ADDED', w.encode(obj));
        inSelector.add(k);
      } else if (inSelector.delete(k) || (event.type === 'DELETED' && w.filter(obj))) {
        send('DELETED', w.encode(obj));
      }
    });
  } catch (err) {
    if (err instanceof StatusError) send('ERROR', err.toStatus());
    finish();
  }
  if (finished) unsubscribe?.();
  return { stop: finish, done };
}
