// The terminal's command history: bounded, consecutive duplicates kept once (bash's HISTCONTROL=ignoredups),
// kept per browser tab in sessionStorage so a reload keeps it and another tab starts clean.

export const MAX_HISTORY_ENTRIES = 200;
/** Longer lines are not worth keeping (the server refuses lines over 4096 characters anyway). */
export const MAX_HISTORY_LINE = 4096;
export const HISTORY_STORAGE_KEY = 'pg-terminal-history';

/** The part of the Web Storage API the history uses (sessionStorage in the browser, a map in tests). */
export interface HistoryStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export class CommandHistory {
  private items: string[] = [];

  constructor(
    private readonly storage?: HistoryStorage,
    private readonly limit = MAX_HISTORY_ENTRIES,
  ) {
    this.items = this.load();
  }

  get entries(): readonly string[] {
    return this.items;
  }

  add(line: string): void {
    const entry = line.trim();
    if (!entry || entry.length > MAX_HISTORY_LINE || this.items.at(-1) === entry) return;
    this.items.push(entry);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
    this.save();
  }

  /** The newest entry at or before `from` (an index) containing `query`, or -1 (reverse-i-search). */
  searchBackward(query: string, from: number): number {
    for (let i = Math.min(from, this.items.length - 1); i >= 0; i--) if (this.items[i].includes(query)) return i;
    return -1;
  }

  private load(): string[] {
    try {
      const parsed: unknown = JSON.parse(this.storage?.getItem(HISTORY_STORAGE_KEY) ?? '[]');
      // Stored text is input like any other: keep only strings of a sane length, at most `limit` of them.
      return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string' && x.length > 0 && x.length <= MAX_HISTORY_LINE && !x.includes('\n')).slice(-this.limit) : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      this.storage?.setItem(HISTORY_STORAGE_KEY, JSON.stringify(this.items));
    } catch {
      // Storage full or disabled: the history still works for this page.
    }
  }
}
