// Progress on the terminal: on a TTY one live line rewritten in place (the current test and step); otherwise one
// plain line per phase and per finished test, so logs and CI output stay readable.
import type { ProgressEvent, ProgressListener } from './results.js';

const SYMBOL = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', 'not-supported': 'N/S ' } as const;

export function progressDisplay(out: NodeJS.WriteStream | NodeJS.WritableStream, isTTY: boolean): ProgressListener & { done(): void } {
  let live = '';
  const columns = () => ('columns' in out && typeof out.columns === 'number' ? out.columns : 100);
  const clear = () => {
    if (live) out.write('\r\x1b[2K');
    live = '';
  };
  const show = (text: string) => {
    if (!isTTY) return;
    clear();
    live = text.length > columns() - 1 ? `${text.slice(0, columns() - 2)}…` : text;
    out.write(live);
  };
  const line = (text: string) => {
    clear();
    out.write(`${text}\n`);
  };
  let current = '';
  const listener = (e: ProgressEvent) => {
    switch (e.type) {
      case 'phase':
        line(`· ${e.message}`);
        break;
      case 'test-start':
        current = `[${e.index + 1}/${e.total}] ${e.name}`;
        show(current);
        break;
      case 'step':
        show(`${current} — ${e.step}`);
        break;
      case 'test-end': {
        const r = e.result;
        if (r.outcome === 'skipped' || r.outcome === 'not-supported') {
          if (!isTTY) line(`${SYMBOL[r.outcome]} ${r.name}`);
          return;
        }
        const grade = r.grade ? ` (${r.grade})` : '';
        line(`${SYMBOL[r.outcome]} ${r.name}${grade} ${(r.durationMs / 1000).toFixed(1)}s${r.outcome === 'failed' ? ` — ${r.reason.split('; ')[0]}` : ''}`);
        break;
      }
    }
  };
  return Object.assign(listener, { done: clear });
}
