// runTerminal: one command line, output streamed.
import type { Dispatcher } from '../api/dispatcher.js';
import { BUILTINS, type Builtin } from '../terminal/builtins.js';
import { runTerminalLine } from '../terminal/run-line.js';
import { sessionOf, type OpDeps } from './deps.js';

export function registerTerminalOps(d: Dispatcher, deps: OpDeps, extraBuiltins: Record<string, Builtin> = {}): void {
  const builtins = { ...BUILTINS, ...extraBuiltins };
  d.register('runTerminal', async (params, ctx) =>
    runTerminalLine(params.line, {
      session: sessionOf(ctx),
      kubectlPath: deps.kubectlPath,
      builtins,
      emit: (e) => ctx.emit(e),
      signal: ctx.signal,
      timeoutSeconds: params.timeoutSeconds ?? 30,
    }),
  );
}
