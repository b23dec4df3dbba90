// curl's progress meter (lib/progress.c), shown on stderr when curl is not silent and its output is not a
// terminal: two header lines, a `\r`-led line per update (once a second and at the end), then a newline.

const HEADER =
  '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
  '                                 Dload  Upload   Total   Spent    Left  Speed\n';

/** max5data: a byte count in five characters (12345, 1234k, 12.3M, 1234M, 12.3G). */
export function max5(bytes: number): string {
  const KB = 1024;
  const MB = 1024 * KB;
  const GB = 1024 * MB;
  if (bytes < 100_000) return String(bytes).padStart(5);
  if (bytes < 10_000 * KB) return `${String(Math.floor(bytes / KB)).padStart(4)}k`;
  if (bytes < 100 * MB) return `${String(Math.floor(bytes / MB)).padStart(2)}.${Math.floor((bytes % MB) / (MB / 10))}M`;
  if (bytes < 10_000 * MB) return `${String(Math.floor(bytes / MB)).padStart(4)}M`;
  return `${String(Math.floor(bytes / GB)).padStart(2)}.${Math.floor((bytes % GB) / (GB / 10))}G`;
}

/** time2str: `--:--:--` for nothing yet, else H:MM:SS in eight characters. */
function time2str(seconds: number): string {
  if (seconds <= 0) return '--:--:--';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  if (h <= 99) return `${String(h).padStart(2)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return `${String(Math.floor(h / 24)).padStart(3)}d ${String(h % 24).padStart(2, '0')}h`;
}

export class ProgressMeter {
  private started = performance.now();
  private lastShown = -Infinity;
  private headerShown = false;
  downloaded = 0;
  expected?: number;

  constructor(private readonly write: (text: string) => void) {}

  /** An update; shown when a second has passed since the last one, or when forced (the final one). */
  update(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastShown < 1000) return;
    this.lastShown = now;
    if (!this.headerShown) {
      this.write(HEADER);
      this.headerShown = true;
    }
    const spentS = (now - this.started) / 1000;
    const speed = spentS > 0 ? Math.floor(this.downloaded / Math.max(spentS, 0.001)) : 0;
    const expected = this.expected ?? 0;
    const percent = expected > 0 ? Math.floor((this.downloaded * 100) / expected) : 0;
    const totalS = expected > 0 && speed > 0 ? expected / speed : 0;
    const leftS = expected > 0 && speed > 0 ? (expected - this.downloaded) / speed : 0;
    const line =
      `\r${String(percent).padStart(3)} ${max5(expected)}  ${String(percent).padStart(3)} ${max5(this.downloaded)}  ${'0'.padStart(3)} ${max5(0)}  ` +
      `${max5(speed)}  ${max5(0)} ${time2str(Math.floor(totalS))} ${time2str(Math.floor(spentS))} ${time2str(Math.floor(leftS))} ${max5(speed)}`;
    this.write(line);
  }

  /** The transfer ended (well or not): the final update and its newline. */
  done(): void {
    this.update(true);
    this.write('\n');
  }
}
