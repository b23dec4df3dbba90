// Latency charts as plain SVG: the percentile spectrum (HdrHistogram plotter style: x = 1/(1-p) on a log
// scale, so 90%, 99%, 99.9% are evenly spaced and the tail gets room) and the latency histogram.
export interface Bucket { Start: number; End: number; Percent: number; Count: number }
export interface Series { label: string; color: string; buckets: Bucket[] }

const W = 640;
const H = 260;
const PAD = { l: 60, r: 12, t: 12, b: 40 };
const MAX_P = 99.999;
const tailX = (p: number) => Math.log10(1 / (1 - Math.min(p, MAX_P) / 100));
const fmt = (v: number) => String(+v.toPrecision(3));

/** About four round steps (1, 2, 2.5, 5 × 10^k) from 0 to at least max: the axis ends on a round tick. */
function niceTicks(max: number): number[] {
  const raw = (max || 1) / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((n) => n * pow >= raw - 1e-12) ?? 10) * pow;
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => i * step);
}

/** Which run is which colour; top-left on the spectrum (low latencies sit at the bottom there), top-right on
 * the histogram (its tallest bars are the low latencies, on the left). */
function Legend({ series, right = false }: { series: Series[]; right?: boolean }) {
  return (
    <g>
      {series.map((s, i) => (
        <g key={`l-${s.label}`}>
          <rect x={right ? W - PAD.r - 20 : PAD.l + 8} y={PAD.t + 4 + i * 18} width={12} height={12} fill={s.color} />
          <text x={right ? W - PAD.r - 26 : PAD.l + 26} y={PAD.t + 15 + i * 18} textAnchor={right ? 'end' : 'start'}>{s.label}</text>
        </g>
      ))}
    </g>
  );
}

export function PercentileSpectrum({ series }: { series: Series[] }) {
  const xMax = tailX(MAX_P);
  // The curve stops at the highest percentile the run measured below 100% (x = 1/(1-p) has no 100%).
  const points = series.map((s) => [[0, s.buckets[0]?.Start ?? 0], ...s.buckets.map((b) => [b.Percent, b.End])].filter(([p]) => p <= MAX_P + 0.0001));
  const yTicks = niceTicks(Math.max(...points.flatMap((pts) => pts.map(([, v]) => v * 1000)), 0.001));
  const yMax = yTicks[yTicks.length - 1];
  const x = (p: number) => PAD.l + (tailX(p) / xMax) * (W - PAD.l - PAD.r);
  const y = (ms: number) => H - PAD.b - (ms / yMax) * (H - PAD.t - PAD.b);
  const ticks = [0, 90, 99, 99.9, 99.99];
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Latency by percentile: ${series.map((s) => s.label).join(' vs ')}`} data-testid="percentile-chart">
      {ticks.map((p) => <g key={p}><line className="grid" x1={x(p)} x2={x(p)} y1={PAD.t} y2={H - PAD.b} /><text x={x(p)} y={H - PAD.b + 14} textAnchor="middle">{p}%</text></g>)}
      {yTicks.map((v) => <g key={v}><line className="grid" x1={PAD.l} x2={W - PAD.r} y1={y(v)} y2={y(v)} /><text x={PAD.l - 4} y={y(v) + 4} textAnchor="end">{fmt(v)}</text></g>)}
      <text x={W / 2} y={H - 6} textAnchor="middle">percentile (log-scaled tail)</text>
      <text x={12} y={H / 2} transform={`rotate(-90 12 ${H / 2})`} textAnchor="middle">latency ms</text>
      {series.map((s, i) => <polyline key={s.label} fill="none" stroke={s.color} strokeWidth={2} points={points[i].map(([p, v]) => `${x(p).toFixed(1)},${y(v * 1000).toFixed(1)}`).join(' ')} />)}
      <Legend series={series} />
    </svg>
  );
}

const BINS = 40;

/** HDR buckets are fine-grained; regroup them into BINS log-spaced bins so the shape is readable. */
function rebin(buckets: Bucket[], lo: number, hi: number): Bucket[] {
  const step = (Math.log10(hi) - Math.log10(lo)) / BINS;
  const out: Bucket[] = Array.from({ length: BINS }, (_, i) => ({ Start: 10 ** (Math.log10(lo) + i * step), End: 10 ** (Math.log10(lo) + (i + 1) * step), Percent: 0, Count: 0 }));
  for (const b of buckets) {
    const i = Math.min(BINS - 1, Math.max(0, Math.floor((Math.log10(Math.max(b.Start, lo)) - Math.log10(lo)) / step)));
    out[i].Count += b.Count;
  }
  return out.filter((b) => b.Count > 0);
}

/** Ticks at 1, 2, 5 × 10^k inside [lo, hi] (seconds), so a range like 1–11 ms gets 1, 2, 5, 10 and not a lone 10. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let d = Math.floor(Math.log10(lo)); d <= Math.ceil(Math.log10(hi)); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

export function LatencyHistogram({ series: raw }: { series: Series[] }) {
  const rawAll = raw.flatMap((s) => s.buckets);
  const lo = Math.max(1e-6, Math.min(...rawAll.map((b) => b.Start)));
  const hi = Math.max(...rawAll.map((b) => b.End), lo * 2) * 1.0001;
  // Every series is rebinned on the same bins, so overlaid bars line up.
  const series = raw.map((s) => ({ ...s, buckets: rebin(s.buckets, lo, hi) }));
  const lx = (v: number) => PAD.l + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - PAD.l - PAD.r);
  const share = (s: Series, b: Bucket) => b.Count / Math.max(1, s.buckets.reduce((a, c) => a + c.Count, 0));
  const yTicks = niceTicks(Math.max(...series.flatMap((s) => s.buckets.map((b) => share(s, b) * 100)), 1));
  const yMax = yTicks[yTicks.length - 1] / 100;
  const y = (f: number) => H - PAD.b - (f / yMax) * (H - PAD.t - PAD.b);
  const label = series.map((s) => s.label).join(' vs ');
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Latency histogram (share of requests per latency bin): ${label}`} data-testid="histogram-chart">
      {yTicks.map((v) => <g key={v}><line className="grid" x1={PAD.l} x2={W - PAD.r} y1={y(v / 100)} y2={y(v / 100)} /><text x={PAD.l - 4} y={y(v / 100) + 4} textAnchor="end">{fmt(v)}%</text></g>)}
      {logTicks(lo, hi).map((v) => <g key={v}><line className="grid" x1={lx(v)} x2={lx(v)} y1={PAD.t} y2={H - PAD.b} /><text x={lx(v)} y={H - PAD.b + 14} textAnchor="middle">{fmt(v * 1000)}</text></g>)}
      <text x={W / 2} y={H - 6} textAnchor="middle">latency ms (log scale)</text>
      <text x={12} y={H / 2} transform={`rotate(-90 12 ${H / 2})`} textAnchor="middle">share of requests</text>
      {series.map((s) => s.buckets.map((b, i) => (
        <rect key={`${s.label}-${i}`} x={lx(b.Start)} width={Math.max(1, lx(b.End) - lx(b.Start) - 1)} y={y(share(s, b))} height={H - PAD.b - y(share(s, b))} fill={s.color} fillOpacity={series.length > 1 ? 0.55 : 0.85}>
          <title>{`${s.label}: ${fmt(b.Start * 1000)}–${fmt(b.End * 1000)} ms, ${b.Count} requests`}</title>
        </rect>
      )))}
      <line className="axis" x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} />
      <Legend series={series} right />
    </svg>
  );
}
