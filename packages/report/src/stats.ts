/**
 * The few statistics a report needs, hand-coded: a two-sided 95 % Student t table is 34 numbers,
 * smaller and easier to check than a statistics library.
 */

// t(0.975, df) for df = 1 … 30, from any statistics textbook table.
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const T95_LARGE: Array<[df: number, t: number]> = [
  [120, 1.98],
  [60, 2.0],
  [40, 2.021],
];

/**
 * The two-sided 95 % critical value of Student's t for `df` degrees of freedom. A fractional df
 * (Welch) is rounded down and a df between table rows takes the smaller row: both widen the
 * interval slightly, never narrow it.
 */
export function tCritical95(df: number): number {
  if (!(df >= 1)) throw new RangeError(`t needs at least 1 degree of freedom, got ${df}`);
  const whole = Math.floor(df);
  if (whole <= 30) return T95[whole - 1]!;
  for (const [rowDf, t] of T95_LARGE) if (whole >= rowDf) return t;
  return T95[29]!;
}

export interface Interval {
  low: number;
  high: number;
}

export interface Spread {
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (n − 1); undefined for a single value. */
  sd: number | undefined;
  /** 95 % confidence interval of the mean (Student t); undefined for a single value. */
  ci95: Interval | undefined;
  /** Coefficient of variation, sd ÷ mean; undefined for one value or a zero mean. */
  cv: number | undefined;
}

export const mean = (values: readonly number[]): number =>
  values.reduce((sum, value) => sum + value, 0) / values.length;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Mean, median, spread and the 95 % interval of the mean of finite values; undefined if none. */
export function spread(values: readonly number[]): Spread | undefined {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return undefined;
  const m = mean(finite);
  if (n === 1) return { n, mean: m, median: m, sd: undefined, ci95: undefined, cv: undefined };
  const sd = Math.sqrt(finite.reduce((sum, value) => sum + (value - m) ** 2, 0) / (n - 1));
  const half = (tCritical95(n - 1) * sd) / Math.sqrt(n);
  return {
    n,
    mean: m,
    median: median(finite),
    sd,
    ci95: { low: m - half, high: m + half },
    cv: m === 0 ? undefined : sd / Math.abs(m),
  };
}

/**
 * 95 % interval of `b.mean − a.mean` by Welch's t (unequal variances, Welch–Satterthwaite df);
 * undefined when either side has a single value.
 */
export function differenceInterval(a: Spread, b: Spread): Interval | undefined {
  if (a.sd === undefined || b.sd === undefined) return undefined;
  const va = a.sd ** 2 / a.n;
  const vb = b.sd ** 2 / b.n;
  const difference = b.mean - a.mean;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { low: difference, high: difference };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const half = tCritical95(df) * se;
  return { low: difference - half, high: difference + half };
}

export const overlaps = (a: Interval, b: Interval): boolean => a.low <= b.high && b.low <= a.high;
