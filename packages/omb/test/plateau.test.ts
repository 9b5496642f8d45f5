import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectPlateau } from '../src/index.js';

const options = { allowedDeviation: 0.05, consecutiveSteps: 2 };
const step = (targetRate: number, achievedRate: number) => ({ targetRate, achievedRate });

describe('detectPlateau', () => {
  it('finds no plateau while every step reaches its target', () => {
    const verdict = detectPlateau([step(10_000, 9990), step(20_000, 19_200), step(30_000, 29_000)], options);
    expect(verdict).toMatchObject({ plateaued: false, maxSustainedRate: 29_000, confirmedAtStep: undefined });
    expect(verdict.steps.map((item) => item.short)).toEqual([false, false, false]);
  });

  it('confirms after N consecutive short steps and reports the highest sustained rate', () => {
    const verdict = detectPlateau(
      [
        step(10_000, 10_000),
        step(20_000, 20_000),
        step(30_000, 27_000),
        step(40_000, 27_500),
        step(50_000, 27_400),
      ],
      options,
    );
    expect(verdict).toMatchObject({
      plateaued: true,
      firstShortStep: 2,
      confirmedAtStep: 3,
      maxSustainedRate: 20_000,
      maxAchievedRate: 27_500,
    });
    expect(verdict.verdict).toContain('from step 3 (target 30000 msg/s)');
  });

  it('resets the count when a step recovers', () => {
    const verdict = detectPlateau(
      [step(10_000, 9000), step(20_000, 19_900), step(30_000, 25_000), step(40_000, 39_000)],
      options,
    );
    expect(verdict.plateaued).toBe(false);
  });

  it('treats exactly the allowed deviation as reaching the target', () => {
    expect(detectPlateau([step(1000, 950), step(2000, 1900)], options).plateaued).toBe(false);
    expect(detectPlateau([step(1000, 949), step(2000, 1899)], options).plateaued).toBe(true);
  });

  it('counts a missing (NaN) result as short', () => {
    expect(
      detectPlateau([step(1000, Number.NaN)], { allowedDeviation: 0.1, consecutiveSteps: 1 }),
    ).toMatchObject({
      plateaued: true,
      confirmedAtStep: 0,
      maxSustainedRate: undefined,
    });
  });

  it('refuses nonsensical settings', () => {
    expect(() => detectPlateau([], { allowedDeviation: 1, consecutiveSteps: 1 })).toThrow(RangeError);
    expect(() => detectPlateau([], { allowedDeviation: 0.1, consecutiveSteps: 0 })).toThrow(RangeError);
  });

  it('plateaus exactly when N consecutive steps fall short (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            target: fc.integer({ min: 1, max: 1e6 }),
            ratio: fc.double({ min: 0, max: 1.2, noNaN: true }),
          }),
          {
            maxLength: 15,
          },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        (raw, consecutiveSteps, allowedDeviation) => {
          const steps = raw.map(({ target, ratio }) => step(target, target * ratio));
          const short = steps.map((item) => item.achievedRate < item.targetRate * (1 - allowedDeviation));
          let expected: number | undefined;
          for (let index = consecutiveSteps - 1; index < short.length && expected === undefined; index++) {
            if (short.slice(index - consecutiveSteps + 1, index + 1).every(Boolean)) expected = index;
          }
          const verdict = detectPlateau(steps, { allowedDeviation, consecutiveSteps });
          expect(verdict.confirmedAtStep).toBe(expected);
          expect(verdict.plateaued).toBe(expected !== undefined);
        },
      ),
    );
  });
});
