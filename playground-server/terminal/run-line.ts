// One terminal line: split into words (no shell), dispatch to kubectl or a built-in, cap output and time,
// and stop the program on cancel (Ctrl-C) — exit codes as a shell reports them (124 timeout, 130 cancel).
import { badRequest, validationFailed } from '../api/errors.js';
import type { Schemas } from '../api/types.js';
import type { ActiveSession } from '../sessions/active-session.js';
import { runBuiltin, type Builtin } from './builtins.js';
import { checkKubectlLine, STDIN_SUBCOMMANDS, type CheckedKubectl } from './kubectl-policy.js';
import type { KubectlIsolation } from './isolation.js';
import { KUBECTL_MISSING_MESSAGE, runKubectl } from './kubectl-runner.js';
import { OutputSink, type ProgramResult } from './output.js';
import { splitWords } from './words.js';

export interface RunLineOptions {
  session: ActiveSession;
  kubectlPath: string | undefined;
  /** Required with kubectlPath: how kubectl is isolated (isolation.ts). */
  isolation: KubectlIsolation | undefined;
  builtins: Record<string, Builtin>;
  emit(e: Schemas['TerminalOutput']): Promise<void>;
  signal: AbortSignal;
  timeoutSeconds: number;
  /** The line's standard input: read only by `kubectl apply|create|replace|delete|diff -f -`. */
  stdin?: string;
}

/** stdin goes with `-f -` and nowhere else: a line that would ignore it (or wait for it) is refused saying why. */
function checkStdin(program: string, checked: CheckedKubectl | undefined, stdin: string | undefined): void {
  const reads = checked?.readsStdin ?? false;
  if (stdin !== undefined && !reads)
    throw validationFailed([
      {
        field: 'stdin',
        message: `this line reads no standard input: only kubectl ${STDIN_SUBCOMMANDS.join('|')} with -f - (or --filename=-) does${program === 'kubectl' ? '' : `, and ${program.slice(0, 40)} is not kubectl`}; the pasted text was not used`,
      },
    ]);
  if (reads && stdin === undefined)
    throw validationFailed([{ field: 'stdin', message: 'kubectl -f - reads a manifest from standard input and this line has none: paste it as a heredoc, kubectl apply -f - <<EOF, then the YAML, then EOF on a line of its own' }]);
}

export async function runTerminalLine(line: string, opts: RunLineOptions): Promise<Schemas['TerminalExit']> {
  const words = splitWords(line);
  if (!words.length) return { exitCode: 0, timedOut: false, cancelled: false, truncated: false };
  const [program, ...args] = words;
  const builtin = Object.hasOwn(opts.builtins, program) ? opts.builtins[program] : undefined;
  if (program !== 'kubectl' && !builtin)
    throw badRequest('UnknownProgram', `"${program.slice(0, 40)}" is not available; programs: kubectl, ${Object.keys(opts.builtins).sort().join(', ')} (try "help")`);
  const checked = program === 'kubectl' && opts.kubectlPath ? checkKubectlLine(args) : undefined;
  if (program !== 'kubectl' || checked) checkStdin(program, checked, opts.stdin);

  const out = new OutputSink(opts.emit);
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, opts.timeoutSeconds * 1000);
  const onCancel = () => stop.abort();
  opts.signal.addEventListener('abort', onCancel, { once: true });
  out.onOverflow(() => stop.abort());
  let result: ProgramResult;
  try {
    if (program === 'kubectl') {
      if (!opts.kubectlPath || !opts.isolation) {
        await out.write('stderr', KUBECTL_MISSING_MESSAGE);
        result = { exitCode: 127 };
      } else {
        const isolation = opts.isolation;
        result = await runKubectl(opts.kubectlPath, checked!.argv, opts.session.terminalDir((w) => isolation.prepare(w)), isolation, out, stop.signal, { stdin: opts.stdin, files: checked!.files });
      }
    } else {
      result = await raceAbort(runBuiltin(builtin!, args, { session: opts.session, out, signal: stop.signal }), stop.signal);
    }
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onCancel);
  }
  await out.flushed().catch(() => undefined);
  const cancelled = opts.signal.aborted && !timedOut;
  if (timedOut) await opts.emit({ stream: 'stderr', data: `\n[stopped after ${opts.timeoutSeconds} s]\n` }).catch(() => undefined);
  return {
    exitCode: timedOut ? 124 : cancelled ? 130 : result.exitCode,
    timedOut,
    cancelled,
    truncated: out.truncated,
  };
}

/** A builtin that ignores its signal still ends the line on timeout/cancel. */
function raceAbort(p: Promise<ProgramResult>, signal: AbortSignal): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ exitCode: 130 });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve({ exitCode: 130 });
        else reject(err);
      },
    );
  });
}
