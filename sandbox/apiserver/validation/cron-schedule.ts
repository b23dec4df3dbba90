// CronJob schedules as upstream parses them: github.com/robfig/cron/v3 ParseStandard (5 fields: minute hour
// day-of-month month day-of-week, names jan..dec / sun..sat, `*`, `?`, ranges, steps, lists, and the
// descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly @every <duration>), with its error
// texts, which the API server puts in the validation message. Written here because no npm cron library
// reproduces robfig's messages, and the messages are what a learner reads.
import { parseGoDuration } from './go-duration.js';

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

/** A parsed schedule: the allowed values of each field, or a constant delay (@every). */
export interface CronSchedule {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  /** `*` (or `?`) in day-of-month / day-of-week: the two then combine with AND instead of OR (cron's rule). */
  domStar: boolean;
  dowStar: boolean;
  /** @every: runs every this many ms (robfig rounds to whole seconds). */
  everyMs?: number;
}

export class CronParseError extends Error {}

function parseInt10(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new CronParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? parseInt10(expr);
}

/** One comma-separated piece of a field (robfig getRange). */
function range(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]);
    if (single && !star) end = b.max; // "N/step" means "N-max/step"
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new CronParseError(`too many slashes: ${expr}`);
  if (start < b.min) throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function field(expr: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const piece of expr.split(',')) star = range(piece, b, values) || star;
  return { values, star };
}

/** robfig's @every: a Go duration, rounded down to whole seconds and at least one. */
function parseEvery(text: string): number {
  const total = parseGoDuration(text);
  if (total === undefined) throw new CronParseError(`failed to parse duration @every ${text}: time: invalid duration ${JSON.stringify(text)}`);
  return Math.max(1000, Math.floor(total / 1000) * 1000);
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Parses like cron.ParseStandard; throws CronParseError with robfig's message. */
export function parseCronSchedule(spec: string): CronSchedule {
  let text = spec.trim();
  if (text.length === 0) throw new CronParseError('empty spec string');
  // TZ=/CRON_TZ= prefixes parse (the API server then refuses them with its own message).
  if (text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) {
    const i = text.indexOf(' ');
    const zone = text.slice(text.indexOf('=') + 1, i < 0 ? undefined : i);
    if (!validTimeZone(zone)) throw new CronParseError(`provided bad location ${zone}: unknown time zone ${zone}`);
    text = i < 0 ? '' : text.slice(i).trim();
  }
  if (text.startsWith('@')) {
    if (text.startsWith('@every ')) {
      const everyMs = parseEvery(text.slice('@every '.length).trim());
      return { ...parseFields('* * * * *'), everyMs };
    }
    const fields = DESCRIPTORS[text];
    if (!fields) throw new CronParseError(`unrecognized descriptor: ${text}`);
    return parseFields(fields);
  }
  return parseFields(text);
}

function parseFields(text: string): CronSchedule {
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const [minute, hour, dom, month, dow] = parts.map((p, i) => field(p, FIELDS[i]));
  return { minute: minute.values, hour: hour.values, dom: dom.values, month: month.values, dow: dow.values, domStar: dom.star, dowStar: dow.star };
}

/** A time zone name the platform's tz database knows (Go: time.LoadLocation). */
export function validTimeZone(zone: string): boolean {
  if (zone === 'UTC' || zone === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Formatters per time zone (building one is far slower than using it); bounded, zones are few. */
const FORMATS = new Map<string, Intl.DateTimeFormat>();
const MAX_CACHED_FORMATS = 64;

/** Wall-clock fields of `ms` in `timeZone` (UTC when absent). */
function wallClock(ms: number, timeZone: string | undefined): { minute: number; hour: number; dom: number; month: number; dow: number } {
  if (!timeZone || timeZone === 'UTC') {
    const d = new Date(ms);
    return { minute: d.getUTCMinutes(), hour: d.getUTCHours(), dom: d.getUTCDate(), month: d.getUTCMonth() + 1, dow: d.getUTCDay() };
  }
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' });
    if (FORMATS.size < MAX_CACHED_FORMATS) FORMATS.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { minute: Number(get('minute')), hour: Number(get('hour')) % 24, dom: Number(get('day')), month: Number(get('month')), dow: DAYS[get('weekday').toLowerCase()] ?? 0 };
}

function matches(s: CronSchedule, ms: number, timeZone: string | undefined): boolean {
  const w = wallClock(ms, timeZone);
  if (!s.minute.has(w.minute) || !s.hour.has(w.hour) || !s.month.has(w.month)) return false;
  const domOk = s.dom.has(w.dom);
  const dowOk = s.dow.has(w.dow);
  return s.domStar || s.dowStar ? domOk && dowOk : domOk || dowOk;
}

const MINUTE = 60_000;
/** How far ahead a search for the next run looks (robfig gives up after five years too). */
const SEARCH_LIMIT_MINUTES = 5 * 366 * 24 * 60;

/** The first scheduled time strictly after `afterMs` (epoch ms), or undefined if none within five years. */
export function nextRun(s: CronSchedule, afterMs: number, timeZone?: string): number | undefined {
  if (s.everyMs) return Math.floor(afterMs / 1000) * 1000 + s.everyMs;
  // Whole days and hours that cannot match are skipped, so a schedule that (almost) never fires, such as
  // `0 0 30 2 *`, costs a few thousand steps, not millions. (Around a DST change a skip may land an hour off
  // midnight; the hour and minute checks then continue from there.)
  const limit = afterMs + SEARCH_LIMIT_MINUTES * MINUTE;
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  while (t <= limit) {
    const w = wallClock(t, timeZone);
    const domOk = s.dom.has(w.dom);
    const dowOk = s.dow.has(w.dow);
    const dayOk = s.month.has(w.month) && (s.domStar || s.dowStar ? domOk && dowOk : domOk || dowOk);
    if (!dayOk) t += ((24 - w.hour) * 60 - w.minute) * MINUTE;
    else if (!s.hour.has(w.hour)) t += (60 - w.minute) * MINUTE;
    else if (!s.minute.has(w.minute)) t += MINUTE;
    else return t;
  }
  return undefined;
}

/**
 * The most recent scheduled time in (earliestMs, nowMs], and how many were missed in that window (capped),
 * as the CronJob controller's mostRecentScheduleTime computes them.
 */
export function mostRecentRun(s: CronSchedule, earliestMs: number, nowMs: number, timeZone?: string, cap = 101): { time?: number; missed: number } {
  let time: number | undefined;
  let missed = 0;
  for (let t = nextRun(s, earliestMs, timeZone); t !== undefined && t <= nowMs; t = nextRun(s, t, timeZone)) {
    time = t;
    missed++;
    if (missed >= cap) {
      // Too many to walk one by one: jump to the latest run before now.
      const last = lastRunAtOrBefore(s, nowMs, timeZone, t);
      return { time: last ?? time, missed };
    }
  }
  return { time, missed };
}

function lastRunAtOrBefore(s: CronSchedule, nowMs: number, timeZone: string | undefined, notBefore: number): number | undefined {
  if (s.everyMs) return notBefore + Math.floor((nowMs - notBefore) / s.everyMs) * s.everyMs;
  for (let t = Math.floor(nowMs / MINUTE) * MINUTE; t >= notBefore; t -= MINUTE) if (matches(s, t, timeZone)) return t;
  return undefined;
}
