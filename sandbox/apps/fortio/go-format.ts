// Go's fmt verbs fortio prints its report with (%g, %.Ng, time.Duration's String), so the sandbox's `fortio load`
// output reads digit for digit like the real one (strconv.FormatFloat's 'g' rules: %e when the exponent is < -4
// or ≥ the precision, trailing zeros dropped).

/** Go `%g` (no precision: shortest round-trip digits) or `%.<prec>g`. */
export function goG(v: number, prec?: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const neg = v < 0;
  const shortest = prec === undefined;
  const p = shortest ? undefined : Math.max(1, prec);
  // Decimal digits (trailing zeros trimmed) and the decimal point position, as strconv's decimal has them.
  const [mant, expText] = (p === undefined ? Math.abs(v).toExponential() : Math.abs(v).toExponential(p - 1)).split('e');
  const digits = mant.replace('.', '').replace(/0+$/, '') || '0';
  const dp = Number(expText) + 1;
  const nd = digits.length;
  let eprec = p ?? 6;
  if (p !== undefined && p > nd && nd >= dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = dp - 1;
  let out: string;
  if (exp < -4 || exp >= eprec) {
    const q = shortest ? nd : Math.min(p!, nd);
    const frac = digits.slice(1, q).padEnd(q - 1, '0');
    out = `${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else {
    const q = shortest || p! > dp ? nd : p!;
    out = fixed(digits, dp, Math.max(q - dp, 0));
  }
  return neg ? `-${out}` : out;
}

/** The digits with the decimal point at `dp`, `decimals` places after it. */
function fixed(digits: string, dp: number, decimals: number): string {
  let intPart: string;
  let fracDigits: string;
  if (dp <= 0) {
    intPart = '0';
    fracDigits = '0'.repeat(-dp) + digits;
  } else {
    intPart = digits.slice(0, dp).padEnd(dp, '0');
    fracDigits = digits.slice(dp);
  }
  const frac = fracDigits.slice(0, decimals).padEnd(decimals, '0');
  return decimals > 0 ? `${intPart}.${frac}` : intPart;
}

/** Go's time.Duration.String() for a duration in nanoseconds: "59.8524ms", "1.5s", "2m0.5s". */
export function goDuration(ns: number): string {
  let n = Math.round(ns);
  if (n === 0) return '0s';
  const neg = n < 0;
  n = Math.abs(n);
  const trim = (whole: number, frac: number, width: number) => {
    const f = String(frac).padStart(width, '0').replace(/0+$/, '');
    return f ? `${whole}.${f}` : String(whole);
  };
  let out: string;
  if (n < 1000) out = `${n}ns`;
  else if (n < 1_000_000) out = `${trim(Math.floor(n / 1000), n % 1000, 3)}µs`;
  else if (n < 1_000_000_000) out = `${trim(Math.floor(n / 1_000_000), n % 1_000_000, 6)}ms`;
  else {
    const totalSeconds = Math.floor(n / 1e9);
    const h = Math.floor(totalSeconds / 3600);
    const m = Math.floor((totalSeconds % 3600) / 60);
    const s = trim(totalSeconds % 60, n % 1e9, 9);
    out = h > 0 ? `${h}h${m}m${s}s` : m > 0 ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}
