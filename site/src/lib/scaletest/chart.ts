// Geometry of the scale page's line charts (server-rendered SVG, no JS): linear scales from data to the plot area,
// "nice" ticks, and one polyline per series. Pure, so it is unit-tested.

export interface Series { label: string; className: string; points: [number, number][] }

export interface ChartBox { width: number; height: number; left: number; right: number; top: number; bottom: number }

export const DEFAULT_BOX: ChartBox = { width: 640, height: 260, left: 56, right: 16, top: 12, bottom: 40 };

/** Ticks at 1, 2 or 5 × 10^k covering [0, max] (about `count` of them). */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** A threshold drawn across the plot as a dashed horizontal line. */
export interface Limit { label: string; value: number }

export interface ChartLayout {
  xTicks: { value: number; x: number }[];
  limits: { label: string; value: number; y: number }[];
  yTicks: { value: number; y: number }[];
  lines: { label: string; className: string; path: string; dots: { x: number; y: number; value: [number, number] }[] }[];
}

export function layoutChart(series: Series[], box: ChartBox = DEFAULT_BOX, limits: Limit[] = []): ChartLayout {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xMax = Math.max(1, ...xs);
  const xMin = Math.min(xMax, ...xs, xMax);
  const yTickValues = niceTicks(Math.max(0, ...ys, ...limits.map((l) => l.value)));
  const yMax = yTickValues[yTickValues.length - 1] || 1;
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const lo = Math.min(0, xMin);
  const sx = (v: number) => box.left + ((v - lo) / (xMax - lo || 1)) * plotW;
  const sy = (v: number) => box.top + plotH - (v / yMax) * plotH;
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    xTicks: [...new Set(xs)].sort((a, b) => a - b).map((value) => ({ value, x: r(sx(value)) })),
    limits: limits.map((l) => ({ ...l, y: r(sy(l.value)) })),
    yTicks: yTickValues.map((value) => ({ value, y: r(sy(value)) })),
    lines: series.map((s) => {
      const dots = s.points.map((p) => ({ x: r(sx(p[0])), y: r(sy(p[1])), value: p }));
      return { label: s.label, className: s.className, path: dots.map((d, i) => `${i ? 'L' : 'M'}${d.x} ${d.y}`).join(' '), dots };
    }),
  };
}
