// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): `500m`, `1.5`, `128Mi`, `1e3`.
// Values are kept exactly, in nano-units (BigInt), so sums and comparisons never round; `toString()` prints
// the canonical form the API server prints (`1000m` → `1`, `1024Mi` → `1Gi`, `0.5` → `500m`).
// Hand-written because no maintained npm package parses and canonicalises Kubernetes quantities exactly.

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL).map(([s, e]) => [e, s]));
const BINARY_SUFFIX: [string, number][] = Object.entries(BINARY).sort((a, b) => b[1] - a[1]);

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
/** Beyond this a quantity is refused (upstream's limit is int64 scaled values; this keeps BigInts small). */
const MAX_DIGITS = 64;
const MAX_EXPONENT = 30;

const NANO = 1_000_000_000n;
/** The largest value a quantity may have: int64, as upstream's scaled values. */
const MAX_NANO = (2n ** 63n - 1n) * NANO;
const pow10 = (n: number): bigint => 10n ** BigInt(n);

export class Quantity {
  private constructor(
    /** The value in units of 10^-9, rounded up as the API server rounds sub-nano precision. */
    readonly nano: bigint,
    readonly format: QuantityFormat,
  ) {}

  static zero(format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(0n, format);
  }

  static fromNumber(n: number, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(Math.round(n)) * NANO, format);
  }

  /** Parses a quantity (a string or a JSON number); undefined when it is not one. */
  static parse(input: unknown): Quantity | undefined {
    const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : input;
    if (typeof text !== 'string' || text.length > MAX_DIGITS) return undefined;
    const m = QUANTITY_RE.exec(text);
    if (!m) return undefined;
    const [, sign, digits, suffix, exponent] = m;
    const [whole, frac = ''] = digits.split('.');
    const mantissa = BigInt((whole || '0') + frac);
    let format: QuantityFormat = 'DecimalSI';
    let exp10 = -frac.length;
    let multiplier = 1n;
    if (suffix !== undefined && suffix in BINARY) {
      format = 'BinarySI';
      multiplier = 1n << BigInt(BINARY[suffix]);
    } else if (suffix !== undefined) {
      exp10 += DECIMAL[suffix];
    } else if (exponent !== undefined) {
      const e = Number(exponent);
      if (Math.abs(e) > MAX_EXPONENT) return undefined;
      format = 'DecimalExponent';
      exp10 += e;
    }
    // value = mantissa × multiplier × 10^exp10; in nano-units: × 10^(exp10 + 9).
    const shift = exp10 + 9;
    let nano: bigint;
    if (shift >= 0) nano = mantissa * multiplier * pow10(shift);
    else {
      const num = mantissa * multiplier;
      const den = pow10(-shift);
      nano = (num + den - 1n) / den; // round up, as Quantity.MilliValue() does
    }
    if (nano > MAX_NANO) return undefined;
    return new Quantity(sign === '-' ? -nano : nano, format);
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nano + other.nano, this.nano === 0n && this.format === 'DecimalSI' ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nano - other.nano, this.format);
  }

  cmp(other: Quantity): number {
    return this.nano < other.nano ? -1 : this.nano > other.nano ? 1 : 0;
  }

  isZero(): boolean {
    return this.nano === 0n;
  }

  /** The value in thousandths, rounded up (Quantity.MilliValue()). */
  milliValue(): number {
    const d = 1_000_000n;
    return Number(this.nano >= 0n ? (this.nano + d - 1n) / d : this.nano / d);
  }

  /** The value, rounded up to an integer (Quantity.Value()). */
  value(): number {
    return Number(this.nano >= 0n ? (this.nano + NANO - 1n) / NANO : this.nano / NANO);
  }

  /** The canonical text, as Quantity.String() prints it. */
  toString(): string {
    if (this.nano === 0n) return '0';
    const negative = this.nano < 0n;
    const abs = negative ? -this.nano : this.nano;
    let format = this.format;
    // Small or fractional binary values print as decimal (CanonicalizeBytes).
    if (format === 'BinarySI' && (abs < 1024n * NANO || abs % NANO !== 0n)) format = 'DecimalSI';
    let text: string;
    if (format === 'BinarySI') {
      let value = abs / NANO;
      let suffix = '';
      for (const [s, bits] of BINARY_SUFFIX) {
        const unit = 1n << BigInt(bits);
        if (value % unit === 0n) {
          value /= unit;
          suffix = s;
          break;
        }
      }
      text = `${value}${suffix}`;
    } else {
      // The largest exponent (a multiple of 3, at least -9) that leaves an integer mantissa.
      let mantissa = abs;
      let exp = -9;
      while (mantissa % 1000n === 0n && (format === 'DecimalExponent' || exp < 18)) {
        mantissa /= 1000n;
        exp += 3;
      }
      text = format === 'DecimalExponent' ? (exp === 0 ? `${mantissa}` : `${mantissa}e${exp}`) : `${mantissa}${DECIMAL_SUFFIX[exp]}`;
    }
    return negative ? `-${text}` : text;
  }
}

/** The sum of quantities; the first one's format wins, as in Quantity.Add. */
export function sumQuantities(list: Quantity[]): Quantity {
  return list.reduce((acc, q) => acc.add(q), Quantity.zero());
}

export const maxQuantity = (a: Quantity, b: Quantity): Quantity => (a.cmp(b) >= 0 ? a : b);
