// `linkerd viz tap`, from outside the data plane: open each meshed pod's streaming tap (proxy admin port,
// `/tap`, NDJSON) through the pods proxy, merge the events and pass them on. Back-pressure: while the
// client is slow, the sources are paused (their sidecars drop and count what does not fit), so nothing
// here grows without bound.
import type { IncomingMessage } from 'node:http';
import type { OpParams, OpResult, Schemas } from '../api/types.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { podProxyPath } from '../requests/client-workload.js';
import { PROXY_ADMIN_PORT, sessionPods } from './session-pods.js';
import { readJsonLines } from '../kube/stream-lines.js';

/** Most pods tapped at once. */
export const MAX_TAPPED_PODS = 32;
/** Longest NDJSON line accepted from a proxy. */
const MAX_LINE_BYTES = 64 * 1024;

export async function tapSession(
  session: ActiveSession,
  params: OpParams<'tapMesh'>,
  emit: (e: Schemas['TapEvent']) => Promise<void>,
  signal: AbortSignal,
): Promise<OpResult<'tapMesh'>> {
  const ns = session.namespace;
  const maxEvents = params.maxEvents ?? 100;
  const durationMs = (params.durationSeconds ?? 30) * 1000;
  const pods = (await sessionPods(session.kube, ns, signal)).filter((p) => p.meshed && p.running).slice(0, MAX_TAPPED_PODS);
  const errors: string[] = [];
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), durationMs);
  let events = 0;
  let reason = 'duration' as 'maxEvents' | 'duration' | 'cancelled';
  const streams: IncomingMessage[] = [];
  // Events are forwarded one at a time; a source is not read while an emit is pending.
  let chain = Promise.resolve();

  const query = new URLSearchParams();
  if (params.pathPrefix) query.set('pathPrefix', params.pathPrefix);
  const suffix = query.size ? `?${query}` : '';

  /** Passes one pod's events on, in turn with the other pods' (`chain`); its source waits while an emit is pending. */
  const forward = async (res: IncomingMessage): Promise<void> => {
    try {
      for await (const event of readJsonLines<Schemas['TapEvent']>(res, { maxLineChars: MAX_LINE_BYTES })) {
        if (events >= maxEvents) {
          stop.abort();
          return;
        }
        events++;
        if (events >= maxEvents) reason = 'maxEvents';
        let failed = false;
        chain = chain.then(() => emit(event)).catch(() => {
          failed = true;
        });
        await chain;
        if (failed || events >= maxEvents) {
          stop.abort();
          return;
        }
      }
    } catch {
      // the stream was cut (stop, or the pod went away): what arrived was passed on
    }
  };
  const readers: Promise<void>[] = [];

  await Promise.all(
    pods
      .filter((p) => !params.deployment || p.deployment === params.deployment)
      .map(async (pod) => {
        try {
          const res = await session.kube.open({ path: podProxyPath(ns, pod.name, PROXY_ADMIN_PORT, `/tap${suffix}`), accept: 'application/x-ndjson', signal: stop.signal, timeoutMs: durationMs + 5000 });
          if (res.statusCode !== 200) {
            errors.push(`${pod.name}: the proxy's tap answered HTTP ${res.statusCode}`);
            res.resume();
            return;
          }
          res.on('error', () => undefined); // a cut stream ends its reader; nothing to report
          streams.push(res);
          readers.push(forward(res));
        } catch (err) {
          if (!stop.signal.aborted) errors.push(`${pod.name}: ${(err as Error).message}`);
        }
      }),
  );

  const selected = pods.filter((p) => !params.deployment || p.deployment === params.deployment).length;
  if (streams.length && !stop.signal.aborted) await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearTimeout(timer);
  signal.removeEventListener('abort', onAbort);
  for (const s of streams) s.destroy();
  await Promise.all(readers);
  await chain;
  if (signal.aborted && reason !== 'maxEvents') reason = 'cancelled';
  return { events, pods: selected, reason, errors };
}
