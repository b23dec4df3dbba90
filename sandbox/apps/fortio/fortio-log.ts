// fortio's logger (fortio.org/log) as its current releases print to a non-terminal: one JSON object per line on
// stderr — {"ts":…,"level":"warn","r":…,"file":"http_client.go","line":…,"msg":"Non ok http code","code":503,…} —
// filtered by -loglevel (Debug, Verbose, Info, Warning, Error, Critical, Fatal; Info by default).
import type { Writable } from 'node:stream';

export const FORTIO_VERSION = '1.75.2';
export const LOG_LEVELS = ['Debug', 'Verbose', 'Info', 'Warning', 'Error', 'Critical', 'Fatal'] as const;
const JSON_LEVEL = ['dbug', 'trace', 'info', 'warn', 'err', 'crit', 'fatal'];

export class FortioLog {
  constructor(
    private readonly out: Writable,
    readonly level: number,
  ) {}

  static levelOf(name: string): number | undefined {
    const i = LOG_LEVELS.findIndex((l) => l.toLowerCase() === name.toLowerCase());
    return i === -1 ? undefined : i;
  }

  private emit(level: number, file: string, line: number, msg: string, attrs: Record<string, string | number>): void {
    if (level < this.level) return;
    const head = `{"ts":${(Date.now() / 1000).toFixed(6)},"level":"${JSON_LEVEL[level]}","r":1,"file":"${file}","line":${line},"msg":${JSON.stringify(msg)}`;
    const rest = Object.entries(attrs).map(([k, v]) => `,"${k}":${JSON.stringify(v)}`).join('');
    this.out.write(`${head}${rest}}\n`);
  }

  info(msg: string, attrs: Record<string, string | number> = {}): void {
    this.emit(2, 'logger.go', 254, msg, attrs);
  }

  warn(msg: string, attrs: Record<string, string | number> = {}): void {
    this.emit(3, 'http_client.go', 1159, msg, attrs);
  }

  error(msg: string, attrs: Record<string, string | number> = {}): void {
    this.emit(4, 'http_client.go', 1084, msg, attrs);
  }
}
