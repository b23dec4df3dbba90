// Process entry of a generator, for child processes and Kubernetes Job pods:
//   LOADGEN_SPEC='<GeneratorSpec JSON>' node --import tsx playground-server/loadgen/generator-main.ts [--interactive]
//   LOADGEN_SPEC='<GeneratorSpec JSON>' playground generator [--interactive]     (what the Docker image's Job pods run)
// (or the spec as the first argument). Every message is one JSON line on stdout; the last is the
// result ({"type":"result",...}) or an error. With --interactive it prints "ready" and waits for
// {"type":"start","atEpochMs":N} on stdin; otherwise it starts at spec.startAtEpochMs (or at once).
// SIGTERM/SIGINT or {"type":"abort"} cancel the run and still print a partial result.
// With PLAYGROUND_GENERATOR_LIMITS=session (set in the Docker image, whose Job pods learners can write by
// hand) a spec over the playground's benchmark limits is refused (exit 2, an error line naming the limit).
import { createInterface } from 'node:readline';
import { isMainModule } from './main-module.js';
import { hostGenerator } from './generator-host.js';
import { generatorSpecOverLimits } from '../benchmarks/limits.js';
import { parseGeneratorSpec, type CoordinatorMessage } from './protocol.js';

/** Run one generator as this process; resolves with the exit code (0 after a result). */
export async function generatorMain(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    return await runAsProcess(args, env);
  } finally {
    process.stdin.destroy();
  }
}

async function runAsProcess(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const interactive = args.includes('--interactive');
  const specText = args.find((a) => !a.startsWith('--')) ?? env.LOADGEN_SPEC;
  let spec: unknown;
  try {
    spec = JSON.parse(specText ?? '');
  } catch {
    process.stdout.write(JSON.stringify({ type: 'error', generatorId: -1, message: 'generator spec: pass a GeneratorSpec JSON as LOADGEN_SPEC or the first argument' }) + '\n');
    return 2;
  }
  if (env.PLAYGROUND_GENERATOR_LIMITS === 'session') {
    let over: string | undefined;
    try {
      over = generatorSpecOverLimits(parseGeneratorSpec(spec));
    } catch (err) {
      over = (err as Error).message;
    }
    if (over) {
      process.stdout.write(JSON.stringify({ type: 'error', generatorId: -1, message: `generator spec refused: ${over}` }) + '\n');
      return 2;
    }
  }
  const handlers: ((m: CoordinatorMessage) => void)[] = [];
  const control = (m: CoordinatorMessage): void => handlers.forEach((h) => h(m));
  process.once('SIGTERM', () => control({ type: 'abort' }));
  process.once('SIGINT', () => control({ type: 'abort' }));
  let lines: ReturnType<typeof createInterface> | null = null;
  if (interactive) {
    lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      try {
        control(JSON.parse(line) as CoordinatorMessage);
      } catch {
        // not a control message: ignore
      }
    });
    lines.on('close', () => control({ type: 'abort' })); // coordinator gone
  }
  const ok = await hostGenerator(spec, {
    interactive,
    send: (msg) => process.stdout.write(JSON.stringify(msg) + '\n'),
    onControl: (h) => handlers.push(h),
  });
  lines?.close();
  return ok ? 0 : 1;
}

if (isMainModule(import.meta.url)) {
  void generatorMain(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
