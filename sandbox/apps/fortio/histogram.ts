// fortio's histogram (stats/stats.go): fixed buckets 0…100000 of (value − offset) / divider, intervals open on the
// left, the first reported bucket starting at the minimum and the last ending at the maximum, percentiles
// interpolated linearly inside a bucket — ported rather than replaced by an HDR histogram so `fortio load` prints
// the same ranges and targets the real one does.
import { goG } from './go-format.js';

const BUCKETS = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 120, 140, 160, 180, 200, 250, 300, 350, 400,
  450, 500, 600, 700, 800, 900, 1000, 2000, 3000, 4000, 5000, 7500, 10000, 20000, 30000, 40000, 50000, 75000, 100000,
];
const NUM_BUCKETS = BUCKETS.length + 1;

export class Counter {
  count = 0;
  min = 0;
  max = 0;
  sum = 0;
  protected sumOfSquares = 0;

  record(v: number): void {
    if (this.count === 0) this.min = this.max = v;
    else {
      this.min = Math.min(this.min, v);
      this.max = Math.max(this.max, v);
    }
    this.count++;
    this.sum += v;
    this.sumOfSquares += v * v;
  }

  /** Counter.Transfer: adds another counter's samples (its moments) to this one. */
  merge(from: Counter): void {
    if (from.count === 0) return;
    this.min = this.count === 0 ? from.min : Math.min(this.min, from.min);
    this.max = this.count === 0 ? from.max : Math.max(this.max, from.max);
    this.count += from.count;
    this.sum += from.sum;
    this.sumOfSquares += from.sumOfSquares;
  }

  avg(): number {
    return this.count ? this.sum / this.count : 0;
  }

  stdDev(): number {
    if (this.count === 0) return 0;
    const avg = this.avg();
    const sigma = this.sumOfSquares / this.count - avg * avg;
    return sigma < 0 ? 0 : Math.sqrt(sigma);
  }

  /** `<msg> : count N avg … +/- … min … max … sum …` (Counter.Print). */
  line(msg: string): string {
    return `${msg} : count ${this.count} avg ${goG(this.avg(), 8)} +/- ${goG(this.stdDev(), 4)} min ${goG(this.min)} max ${goG(this.max)} sum ${goG(this.sum, 9)}`;
  }
}

interface Bucket {
  start: number;
  end: number;
  percent: number;
  count: number;
}

export class Histogram extends Counter {
  private data = new Array<number>(NUM_BUCKETS).fill(0);

  constructor(
    private readonly offset = 0,
    private readonly divider = 0.001,
  ) {
    super();
  }

  override record(v: number): void {
    super.record(v);
    const scaled = (v - this.offset) / this.divider;
    let idx: number;
    if (scaled <= BUCKETS[0]) idx = 0;
    else if (scaled > BUCKETS[BUCKETS.length - 1]) idx = NUM_BUCKETS - 1;
    else {
      let sv = Math.trunc(scaled);
      if (scaled - sv < 1e-12) sv--; // ]start, end]: a value exactly on a boundary belongs to the lower bucket
      idx = BUCKETS.findIndex((b) => b > sv);
    }
    this.data[idx]++;
  }

  private export(): Bucket[] {
    const out: Bucket[] = [];
    let last = -1;
    for (let i = NUM_BUCKETS - 1; i >= 0; i--) if (this.data[i] > 0) {
      last = i;
      break;
    }
    let prev = BUCKETS[0];
    let total = 0;
    for (let i = 0; i <= last; i++) {
      if (this.data[i] === 0) {
        if (i < BUCKETS.length) prev = BUCKETS[i];
        continue;
      }
      total += this.data[i];
      const start = out.length === 0 ? this.min : this.divider * prev + this.offset;
      let end: number;
      if (i < BUCKETS.length) {
        end = this.divider * BUCKETS[i] + this.offset;
        prev = BUCKETS[i];
      } else end = this.max;
      out.push({ start, end, percent: (100 * total) / this.count, count: this.data[i] });
    }
    if (out.length) out[out.length - 1].end = this.max;
    return out;
  }

  percentile(p: number, data = this.export()): number {
    if (data.length === 0) return 0;
    if (p >= 100) return this.max;
    let pp = 100 / this.count;
    if (p <= pp) return this.min;
    for (const b of data) {
      if (p <= b.percent) return b.start + ((p - pp) / (b.percent - pp)) * (b.end - b.start);
      pp = b.percent;
    }
    return this.max;
  }

  /** HistogramData.Print: the counter line, the ranges, then `# target P% V` per percentile. */
  lines(msg: string, percentiles: number[]): string[] {
    const data = this.export();
    if (data.length === 0) return [`${msg} : no data`];
    const out = [this.line(msg), '# range, mid point, percentile, count'];
    data.forEach((b, i) => out.push(`${i > 0 ? '>' : '>='} ${goG(b.start, 6)} <= ${goG(b.end, 6)} , ${goG((b.start + b.end) / 2, 6)} , ${b.percent.toFixed(2)}, ${b.count}`));
    for (const p of percentiles) out.push(`# target ${goG(p)}% ${goG(this.percentile(p, data), 6)}`);
    return out;
  }
}
