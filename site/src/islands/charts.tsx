// Latency charts as plain SVG: the percentile spectrum (HdrHistogram plotter style: x = 1/(1-p) on a log
// scale, so 90%, 99%, 99.9% are evenly spaced and the tail gets room) and the latency histogram.
export interface Bucket { Start: number; End: number; Percent: number; Count: number }
export interface Series { label: string; color: string; buckets: Bucket[] }

const W = 640;
const H = 260;
const PAD = { l: 52, r: 12, t: 12, b: 40 };
const MAX_P = 99.999;
const tailX = (p: number) => Math.log10(1 / (1 - Math.min(p, MAX_P) / 100));
const niceMax = (v: number) => {
  const pow = 10 ** Math.floor(Math.log10(v || 1));
  return Math.ceil((v || 1) / pow) * pow;
};

export function PercentileSpectrum({ series }: { series: Series[] }) {
  const xMax = tailX(MAX_P);
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.buckets.map((b) => b.End * 1000)), 0.001));
  const x = (p: number) => PAD.l + (tailX(p) / xMax) * (W - PAD.l - PAD.r);
  const y = (ms: number) => H - PAD.b - (ms / yMax) * (H - PAD.t - PAD.b);
  const ticks = [0, 90, 99, 99.9, 99.99];
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Latency by percentile: ${series.map((s) => s.label).join(' vs ')}`} data-testid="percentile-chart">
      {ticks.map((p) => <g key={p}><line className="grid" x1={x(p)} x2={x(p)} y1={PAD.t} y2={H - PAD.b} /><text x={x(p)} y={H - PAD.b + 14} textAnchor="middle">{p}%</text></g>)}
      {[0, 0.25, 0.5, 0.75, 1].map((f) => <g key={f}><line className="grid" x1={PAD.l} x2={W - PAD.r} y1={y(yMax * f)} y2={y(yMax * f)} /><text x={PAD.l - 4} y={y(yMax * f) + 4} textAnchor="end">{+(yMax * f).toFixed(2)}</text></g>)}
      <text x={W / 2} y={H - 6} textAnchor="middle">percentile (log-scaled tail)</text>
      <text x={12} y={H / 2} transform={`rotate(-90 12 ${H / 2})`} textAnchor="middle">latency ms</text>
      {series.map((s) => {
        const pts = [[0, s.buckets[0]?.Start ?? 0], ...s.buckets.map((b) => [b.Percent, b.End])].filter(([p]) => p <= MAX_P + 0.0001);
        return <polyline key={s.label} fill="none" stroke={s.color} strokeWidth={2} points={pts.map(([p, v]) => `${x(p).toFixed(1)},${y(v * 1000).toFixed(1)}`).join(' ')} />;
      })}
      {series.map((s, i) => <g key={`l-${s.label}`}><rect x={PAD.l + 8} y={PAD.t + 4 + i * 16} width={10} height={10} fill={s.color} /><text x={PAD.l + 22} y={PAD.t + 13 + i * 16}>{s.label}</text></g>)}
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

export function LatencyHistogram({ series: raw }: { series: Series[] }) {
  const rawAll = raw.flatMap((s) => s.buckets);
  const rlo = Math.max(1e-6, Math.min(...rawAll.map((b) => b.Start)));
  const rhi = Math.max(...rawAll.map((b) => b.End), rlo * 2);
  const series = raw.map((s) => ({ ...s, buckets: rebin(s.buckets, rlo, rhi * 1.0001) }));
  const all = series.flatMap((s) => s.buckets);
  const lo = Math.max(1e-6, Math.min(...all.map((b) => b.Start)));
  const hi = Math.max(...all.map((b) => b.End), lo * 2);
  const lx = (v: number) => PAD.l + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (W - PAD.l - PAD.r);
  const share = (s: Series, b: Bucket) => b.Count / Math.max(1, s.buckets.reduce((a, c) => a + c.Count, 0));
  const yMax = Math.max(...series.flatMap((s) => s.buckets.map((b) => share(s, b))), 0.01);
  const y = (f: number) => H - PAD.b - (f / yMax) * (H - PAD.t - PAD.b);
  const decades: number[] = [];
  for (let d = Math.ceil(Math.log10(lo)); d <= Math.floor(Math.log10(hi)); d++) decades.push(10 ** d);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="Latency histogram (share of requests per latency bucket)" data-testid="histogram-chart">
      {decades.map((v) => <g key={v}><line className="grid" x1={lx(v)} x2={lx(v)} y1={PAD.t} y2={H - PAD.b} /><text x={lx(v)} y={H - PAD.b + 14} textAnchor="middle">{+(v * 1000).toPrecision(3)}</text></g>)}
      <text x={W / 2} y={H - 6} textAnchor="middle">latency ms (log scale)</text>
      <text x={12} y={H / 2} transform={`rotate(-90 12 ${H / 2})`} textAnchor="middle">share of requests</text>
      {series.map((s) => s.buckets.map((b, i) => (
        <rect key={`${s.label}-${i}`} x={lx(b.Start)} width={Math.max(1, lx(b.End) - lx(b.Start))} y={y(share(s, b))} height={H - PAD.b - y(share(s, b))} fill={s.color} fillOpacity={series.length > 1 ? 0.5 : 0.85} />
      )))}
    </svg>
  );
}
