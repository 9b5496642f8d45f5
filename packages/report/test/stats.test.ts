import { describe, expect, it } from 'vitest';
import { differenceInterval, spread, tCritical95 } from '../src/index.js';

describe('spread: median, 95 % interval of the mean (Student t), coefficient of variation', () => {
  it('matches a hand computation for three publish rates', () => {
    // 1000, 1020, 980: mean 1000; squared deviations 0 + 400 + 400 = 800; variance 800 / 2 = 400;
    // sd 20; standard error 20 / √3 = 11.547; t(0.975, 2) = 4.303; half-width 4.303 × 11.547 = 49.687.
    const result = spread([1000, 1020, 980])!;
    expect(result.n).toBe(3);
    expect(result.mean).toBe(1000);
    expect(result.median).toBe(1000);
    expect(result.sd).toBeCloseTo(20, 10);
    expect(result.ci95!.low).toBeCloseTo(950.313, 3);
    expect(result.ci95!.high).toBeCloseTo(1049.687, 3);
    expect(result.cv).toBeCloseTo(0.02, 10);
  });

  it('matches a hand computation for four p99 latencies with an outlier', () => {
    // 10, 12, 14, 30 ms: mean 16.5; deviations −6.5 −4.5 −2.5 13.5; squares 42.25 + 20.25 + 6.25 +
    // 182.25 = 251; variance 251 / 3 = 83.667; sd 9.1469; se 9.1469 / 2 = 4.5735;
    // t(0.975, 3) = 3.182; half-width 14.553 → 1.947 to 31.053; CV 9.1469 / 16.5 = 0.5544.
    const result = spread([10, 12, 14, 30])!;
    expect(result.median).toBe(13);
    expect(result.ci95!.low).toBeCloseTo(1.947, 3);
    expect(result.ci95!.high).toBeCloseTo(31.053, 3);
    expect(result.cv).toBeCloseTo(0.5544, 4);
  });

  it('has no interval or CV for one value, and nothing for none', () => {
    expect(spread([42])).toEqual({
      n: 1,
      mean: 42,
      median: 42,
      sd: undefined,
      ci95: undefined,
      cv: undefined,
    });
    expect(spread([])).toBeUndefined();
    expect(spread([Number.NaN])).toBeUndefined();
  });

  it('uses the textbook t table, rounding degrees of freedom down', () => {
    expect(tCritical95(1)).toBe(12.706);
    expect(tCritical95(2)).toBe(4.303);
    expect(tCritical95(4.9)).toBe(2.776);
    expect(tCritical95(30)).toBe(2.042);
    expect(tCritical95(45)).toBe(2.021);
    expect(tCritical95(1000)).toBe(1.98);
    expect(() => tCritical95(0)).toThrow(RangeError);
  });

  it('gives the Welch interval of a difference of means', () => {
    // a = 1000, 1020, 980 and b = 1100, 1120, 1080: difference 100; each variance of the mean
    // 400 / 3 = 133.33; se √266.67 = 16.330; Welch df 266.67² / (2 × 133.33² / 2) = 4;
    // t(0.975, 4) = 2.776; half-width 45.332 → 54.668 to 145.332.
    const interval = differenceInterval(spread([1000, 1020, 980])!, spread([1100, 1120, 1080])!)!;
    expect(interval.low).toBeCloseTo(54.668, 3);
    expect(interval.high).toBeCloseTo(145.332, 3);
    expect(differenceInterval(spread([1])!, spread([1, 2])!)).toBeUndefined();
  });
});
