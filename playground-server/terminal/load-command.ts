// The terminal's `load` built-in: `load [RATE]rps [DURATION]s URL [--from WORKLOAD] [-H 'Name: value']` starts the
// session's background traffic generator and returns at once (so `tap` and `stat` can watch it); `load status` and
// `load stop` report and end it. The generator itself is load-generator.ts.
import type { Builtin } from './builtins.js';
import { LOAD_LIMITS, loadStatus, startLoad, stopLoad, type LoadSpec, type LoadStatus } from './load-generator.js';
import { UsageError } from './usage-error.js';

export const LOAD_USAGE = `load [RATE]rps [DURATION]s URL [--from WORKLOAD] [-H 'Name: value'] | load status | load stop (rate ≤ ${LOAD_LIMITS.maxRate} rps, duration ≤ ${LOAD_LIMITS.maxDurationSeconds} s)`;
const DEFAULT_RATE = 10;
const DEFAULT_DURATION_SECONDS = 10;

export function describeLoad(s: LoadStatus): string[] {
  const c = s.counts;
  const classes = Object.entries(c.byClass).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none yet';
  const lines = [
    `load: ${s.state}, ${s.spec.rate} rps for ${s.spec.durationSeconds} s to ${s.spec.url} from ${s.spec.from} (${s.elapsedSeconds} s elapsed)`,
    `  sent ${c.sent}, answered ${c.answered} (${classes}), errors ${c.errors}, in flight ${c.inFlight}${c.skipped ? `, skipped ${c.skipped} (over ${LOAD_LIMITS.maxInFlight} waiting)` : ''}`,
  ];
  for (const e of s.errorSamples) lines.push(`  error: ${e}`);
  return lines;
}

function parseSpec(args: string[]): LoadSpec {
  const spec: LoadSpec = { rate: DEFAULT_RATE, durationSeconds: DEFAULT_DURATION_SECONDS, url: '', from: 'curl', headers: {} };
  const value = (i: number, flag: string) => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`load: ${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const rate = /^(\d{1,6})rps$/.exec(a);
    const seconds = /^(\d{1,6})s$/.exec(a);
    if (rate) spec.rate = Number(rate[1]);
    else if (seconds) spec.durationSeconds = Number(seconds[1]);
    else if (a === '--from') {
      const from = value(i++, a);
      if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(from)) throw new UsageError(`load: --from "${from.slice(0, 64)}" is not a Deployment name`);
      spec.from = from;
    } else if (a === '-H' || a === '--header') {
      const h = value(i++, a);
      const colon = h.indexOf(':');
      const name = colon > 0 ? h.slice(0, colon).trim() : '';
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/.test(name)) throw new UsageError(`load: ${a}: write headers as 'Name: value'`);
      if (Object.keys(spec.headers).length >= 16) throw new UsageError('load: at most 16 headers');
      spec.headers[name] = h.slice(colon + 1).trim();
    } else if (a.startsWith('-')) throw new UsageError(`load: unsupported option ${a.slice(0, 40)}; ${LOAD_USAGE}`);
    else if (spec.url) throw new UsageError(`load: one URL at a time; ${LOAD_USAGE}`);
    else spec.url = a;
  }
  if (!spec.url) throw new UsageError(`load: which URL? e.g. load 50rps 10s http://httpbin:8000/get; ${LOAD_USAGE}`);
  return spec;
}

export const load: Builtin = async (args, { session, out, signal }) => {
  const action = args[0];
  if (action === 'status' || action === 'stop') {
    if (args.length > 1) throw new UsageError(`load ${action} takes no arguments`);
    const s = action === 'stop' ? stopLoad(session) : loadStatus(session);
    if (!s) {
      await out.line('stderr', action === 'stop' ? 'load: no generator is running' : 'load: no generator has run in this session; start one with e.g. load 50rps 10s http://httpbin:8000/get');
      return { exitCode: action === 'stop' ? 1 : 0 };
    }
    for (const line of describeLoad(s)) await out.line('stdout', line);
    return { exitCode: 0 };
  }
  const spec = parseSpec(args);
  await startLoad(session, spec, signal);
  await out.line('stdout', `load: ${spec.rate} rps for ${spec.durationSeconds} s to ${spec.url} from ${spec.from}, running in the background; "load status" shows what it got, "load stop" stops it`);
  return { exitCode: 0 };
};
