// The `playground/loadgen:v1` image: the in-process analogue of a container built from this folder, which
// on a real cluster is a Job pod running `playground generator`. It reads LOADGEN_SPEC (a GeneratorSpec),
// runs the generator in a worker thread (so it does not share the sandbox's event loop), dials through the
// pod's own network — its sidecar in a meshed pod, the Service's clusterIP otherwise — with the URL's Host
// header, writes the protocol's JSON lines to its log, and exits 0 after the result (1 after an error).
// Being stopped (pod deleted) aborts the run; the partial result is still written, as on SIGTERM.
// The spec is checked against the server's benchmark limits (benchmarks/limits.ts) whoever wrote it: a
// hand-written generator pod over a limit logs an error naming the limit and exits 2 without sending.
import { isIP } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { Workload, WorkloadContext, WorkloadFactory } from '../../sandbox/index.js';
import { generatorSpecOverLimits } from '../benchmarks/limits.js';
import { generatorWorker } from './generator-launch.js';
import { parseGeneratorSpec, type CoordinatorMessage, type GeneratorMessage, type GeneratorSpec } from './protocol.js';

export const LOADGEN_IMAGE = 'playground/loadgen:v1';
/** The container name the playground gives generator pods (its log is the one followed). */
export const LOADGEN_CONTAINER = 'loadgen';
/** How long a stopping generator may take to write its partial result (below the runtime's stop timeout). */
const STOP_GRACE_MS = 1500;

/** The spec from the container's env, with where its connections go; an Error names what is wrong. */
function specFor(ctx: WorkloadContext): GeneratorSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(ctx.env.LOADGEN_SPEC ?? '');
  } catch {
    throw new Error('generator spec: set LOADGEN_SPEC to a GeneratorSpec JSON');
  }
  const spec = parseGeneratorSpec(raw);
  if (spec.connectTo) throw new Error('generator spec: connectTo is decided by the pod\'s network, not by the spec; leave it out');
  const over = generatorSpecOverLimits(spec);
  if (over) throw new Error(`generator spec refused: ${over}`);
  const url = new URL(spec.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Like curl in a pod here: cluster names only, never an IP literal.
  if (isIP(host)) throw new Error(`generator spec: url ${host} is an IP address; use a Service name`);
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const connectTo = ctx.connectAddress(host, port);
  if (!connectTo) throw new Error(`generator spec: cluster DNS does not know "${host}" in namespace ${ctx.namespace}`);
  return { ...spec, connectTo };
}

export const loadgenImage: WorkloadFactory = (ctx: WorkloadContext): Workload => {
  let worker: Worker | undefined;
  let finished: Promise<void> = Promise.resolve();
  let stopping = false;
  const write = (m: GeneratorMessage): void => ctx.log(JSON.stringify(m));

  return {
    async start() {
      let spec: GeneratorSpec;
      try {
        spec = specFor(ctx);
      } catch (err) {
        write({ type: 'error', generatorId: -1, message: (err as Error).message });
        setImmediate(() => ctx.exit(2));
        return;
      }
      const w = generatorWorker(spec).launch;
      worker = w;
      finished = new Promise<void>((resolve) => {
        let exitCode = 1;
        w.on('message', (m: GeneratorMessage) => {
          write(m);
          if (m.type === 'ready') w.postMessage({ type: 'start', atEpochMs: spec.startAtEpochMs ?? Date.now() } satisfies CoordinatorMessage);
          else if (m.type === 'result') exitCode = 0;
        });
        w.on('error', (err) => write({ type: 'error', generatorId: spec.generatorId, message: err.message }));
        w.on('exit', () => {
          worker = undefined;
          resolve();
          if (!stopping) ctx.exit(exitCode);
        });
      });
    },
    async stop() {
      stopping = true;
      const w = worker;
      if (!w) return finished;
      w.postMessage({ type: 'abort' } satisfies CoordinatorMessage);
      const kill = setTimeout(() => void w.terminate(), STOP_GRACE_MS);
      await finished;
      clearTimeout(kill);
    },
  };
};

/** What a composition root passes to startSandbox({ images }). */
export const LOADGEN_IMAGES: Record<string, WorkloadFactory> = { [LOADGEN_IMAGE]: loadgenImage };
