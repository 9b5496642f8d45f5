import { createVirtualTime, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { assertSelector, decideSweep, matchesSelector } from '../src/index.js';
import { EXP, labTags, resource } from './fixtures.js';

describe('selection safety', () => {
  it.each(['', ' ', '*', 'exp-*', 'exp-2026?', '%', 'latest', 'Exp-Upper', 'exp_20260101'])(
    'refuses the experiment selector %j',
    (experimentId) => {
      expect(() => assertSelector({ kind: 'experiment', experimentId })).toThrow(ValidationError);
    },
  );

  it('refuses sweeps without a positive age', () => {
    for (const olderThanMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => assertSelector({ kind: 'sweep', olderThanMs })).toThrow(/positive age/);
    }
  });

  it('selects only Project=pulsar-aws-lab with the exact ExperimentID', () => {
    const selector = { kind: 'experiment', experimentId: EXP } as const;
    expect(matchesSelector(labTags(), selector)).toBe(true);
    expect(matchesSelector({ ...labTags(), Project: 'other' }, selector)).toBe(false);
    expect(matchesSelector({ ExperimentID: EXP }, selector)).toBe(false);
    expect(matchesSelector(labTags(`${EXP}-2`), selector)).toBe(false);
    expect(matchesSelector(labTags(EXP.toUpperCase()), selector)).toBe(false);
    expect(matchesSelector({ Project: 'pulsar-aws-lab' }, { kind: 'sweep', olderThanMs: 1 })).toBe(false);
    expect(
      matchesSelector({ Project: 'pulsar-aws-lab', ExperimentID: '' }, { kind: 'sweep', olderThanMs: 1 }),
    ).toBe(false);
  });
});

describe('decideSweep', () => {
  const time = createVirtualTime(Date.UTC(2026, 0, 2, 12));
  const hour = 3_600_000;

  it('uses ExpiresAt first, then CreatedAt, then creation time, then the id', () => {
    const decisions = decideSweep(
      [
        resource('vpc', 'vpc-expired', { tags: { ...labTags('exp-a'), ExpiresAt: '2026-01-02T11:00:00Z' } }),
        resource('vpc', 'vpc-not-yet', {
          tags: { ...labTags('exp-b'), ExpiresAt: '2026-01-02T13:00:00Z', CreatedAt: '2025-01-01T00:00:00Z' },
        }),
        resource('vpc', 'vpc-old', { tags: { ...labTags('exp-c'), CreatedAt: '2026-01-02T00:00:00Z' } }),
        resource('instance', 'i-young', {
          tags: labTags('exp-d'),
          createdAt: new Date('2026-01-02T10:00:00Z'),
        }),
        resource('vpc', 'vpc-from-id', { tags: labTags('exp-20260101-120000') }),
        resource('vpc', 'vpc-unknown', { tags: labTags('my-experiment') }),
        resource('vpc', 'vpc-other-project', {
          tags: { Project: 'x', ExperimentID: 'exp-z', CreatedAt: '2020-01-01T00:00:00Z' },
        }),
      ],
      { olderThanMs: 6 * hour, clock: time.clock },
    );
    const selected = Object.fromEntries(decisions.map((d) => [d.experimentId, d.selected]));
    expect(selected).toEqual({
      'exp-a': true,
      'exp-b': false,
      'exp-c': true,
      'exp-d': false,
      'exp-20260101-120000': true,
      'my-experiment': false,
    });
    expect(decisions.find((d) => d.experimentId === 'my-experiment')!.reason).toMatch(/no age information/);
  });
});
