// Tab completion for a terminal line: the word under the cursor against what could stand there — a program
// name first, then a kubectl subcommand. (Resource kinds and object names from the session come next.)
import type { Schemas } from '../api/types.js';
import { KUBECTL_SUBCOMMANDS } from './kubectl-policy.js';

export const MAX_CANDIDATES = 100;

export function completeLine(line: string, cursor: number, programs: string[]): Schemas['TerminalCompletion'] {
  const before = line.slice(0, Math.min(cursor, line.length));
  const replaceFrom = before.search(/\S*$/);
  const word = before.slice(replaceFrom);
  const previous = before.slice(0, replaceFrom).trim().split(/\s+/).filter(Boolean);
  let pool: string[] = [];
  if (previous.length === 0) pool = ['kubectl', ...programs];
  else if (previous[0] === 'kubectl' && previous.length === 1) pool = [...KUBECTL_SUBCOMMANDS];
  const candidates = [...new Set(pool.filter((c) => c.startsWith(word)))].sort().slice(0, MAX_CANDIDATES);
  return { replaceFrom, candidates };
}
