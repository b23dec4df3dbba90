// Hosting a generator behind the protocol's messages, shared by the worker-thread and process entries:
// validate the spec, connect, say "ready", wait for "start" (or the spec's start time), run, and send
// progress and the result. "abort" cancels mid-run and still yields a (partial) result.
import { runGenerator } from './generator.js';
import { parseGeneratorSpec, type CoordinatorMessage, type GeneratorMessage } from './protocol.js';

export interface HostChannel {
  send(msg: GeneratorMessage): void;
  /** Register the handler for coordinator messages. */
  onControl(handler: (msg: CoordinatorMessage) => void): void;
  /** Whether a coordinator will send "start"; otherwise start at spec.startAtEpochMs or at once. */
  interactive: boolean;
}

export async function hostGenerator(rawSpec: unknown, channel: HostChannel): Promise<boolean> {
  let generatorId = -1;
  try {
    const spec = parseGeneratorSpec(rawSpec);
    generatorId = spec.generatorId;
    const abort = new AbortController();
    let startResolve: ((at: number) => void) | null = null;
    const started = new Promise<number>((r) => (startResolve = r));
    channel.onControl((msg) => {
      if (msg.type === 'abort') {
        abort.abort();
        startResolve?.(Date.now()); // aborted before start: run nothing, report empty
      } else if (msg.type === 'start') startResolve?.(msg.atEpochMs);
    });
    const report = await runGenerator(spec, {
      signal: abort.signal,
      onProgress: (p) => channel.send(p),
      onReady: async () => {
        if (!channel.interactive) return spec.startAtEpochMs ?? Date.now();
        channel.send({ type: 'ready', generatorId: spec.generatorId });
        return started;
      },
    });
    channel.send(report);
    return true;
  } catch (err) {
    channel.send({ type: 'error', generatorId, message: (err as Error).message });
    return false;
  }
}
