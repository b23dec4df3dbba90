// What a lesson page remembers in this browser, per session (the session's namespace is part of the key, so a new
// session starts clean): which blocks ran with the tail of their last output, and which checks passed. Bounded: a
// block keeps its last MAX_SAVED_OUTPUT characters, and only the current session's lessons are kept. The server's
// progress (getProgress) is the other half: the lesson page and the index merge both.

export interface SavedBlock {
  ran: 'ok' | 'failed';
  state: string;
  output: string;
}

export interface SavedCheck {
  passed: boolean;
  hint: string;
}

export interface SavedLesson {
  /** Keyed by the block's position among the page's runnable blocks ("0", "1", …). */
  blocks: Record<string, SavedBlock>;
  /** Keyed by the check's position among the page's checks. */
  checks: Record<string, SavedCheck>;
}

export const MAX_SAVED_OUTPUT = 4000;
const PREFIX = 'pg-lesson:';

const keyOf = (namespace: string, lesson: string) => `${PREFIX}${namespace}:${lesson}`;

export function loadLesson(namespace: string, lesson: string): SavedLesson {
  try {
    const raw = JSON.parse(localStorage.getItem(keyOf(namespace, lesson)) ?? 'null') as Partial<SavedLesson> | null;
    if (raw && typeof raw === 'object') return { blocks: raw.blocks && typeof raw.blocks === 'object' ? raw.blocks : {}, checks: raw.checks && typeof raw.checks === 'object' ? raw.checks : {} };
  } catch {
    // Unreadable or blocked storage: start clean.
  }
  return { blocks: {}, checks: {} };
}

export function saveLesson(namespace: string, lesson: string, saved: SavedLesson): void {
  try {
    // Earlier sessions' entries are of no use any more (their namespaces are gone): drop them.
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (k?.startsWith(PREFIX) && !k.startsWith(`${PREFIX}${namespace}:`)) localStorage.removeItem(k);
    }
    localStorage.setItem(keyOf(namespace, lesson), JSON.stringify(saved));
  } catch {
    // Private mode or full storage: the page still works; only the restore after a reload is lost.
  }
}

/** Checks passed in this browser for a lesson (the index's progress bars). */
export function passedChecks(namespace: string, lesson: string): number {
  return Object.values(loadLesson(namespace, lesson).checks).filter((c) => c.passed).length;
}
