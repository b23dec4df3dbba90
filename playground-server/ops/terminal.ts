// runTerminal: one command line, output streamed; completeTerminal: Tab completion for a line.
import type { Dispatcher } from '../api/dispatcher.js';
import { BUILTINS, type Builtin } from '../terminal/builtins.js';
import { completeLine } from '../terminal/completion.js';
import { runTerminalLine } from '../terminal/run-line.js';
import { TerminalRunLimiter } from '../terminal/run-limits.js';
import { sessionOf, type OpDeps } from './deps.js';

export function registerTerminalOps(d: Dispatcher, deps: OpDeps, extraBuiltins: Record<string, Builtin> = {}): void {
  const builtins = { ...BUILTINS, ...extraBuiltins };
  const limiter = deps.terminalRuns ?? new TerminalRunLimiter();
  d.register('runTerminal', async (params, ctx) => {
    const session = sessionOf(ctx);
    const release = limiter.acquire(session);
    try {
      return await runTerminalLine(params.line, {
        session,
        kubectlPath: deps.kubectlPath,
        isolation: deps.kubectlIsolation,
        builtins,
        emit: (e) => ctx.emit(e),
        signal: ctx.signal,
        timeoutSeconds: params.timeoutSeconds ?? 30,
        stdin: params.stdin,
      });
    } finally {
      release();
    }
  });
  d.register('completeTerminal', async (params, ctx) => {
    const session = sessionOf(ctx);
    return completeLine(params.line, params.cursor, { session, programs: Object.keys(builtins), signal: ctx.signal });
  });
}
