// The fault-trial harness of bench/fault-trials.ts, exercised in CI on a few fixed seeds: the
// benchmark runs hundreds; these keep the harness itself (topologies, decoys, injected faults,
// the trial's own listing) working, and replay seeds that once went wrong.
import { describeWithMoto } from '@lab/test-support';
import { expect, it } from 'vitest';
import { prng } from './support/chaos.js';
import { failed, runTrial, type TrialOutcome, trialSpec } from './support/trials.js';

const verdict = (outcome: TrialOutcome) => ({
  seed: `0x${outcome.spec.seed.toString(16)}`,
  leaks: outcome.leaks,
  collateral: outcome.collateral,
  falseVerified: outcome.falseVerified,
  unreported: outcome.unreported,
  error: outcome.error,
  reports: outcome.reports,
});

describeWithMoto('fault trials (a small fixed-seed run of the benchmark)', () => {
  it('5 trials from seed 1: nothing of the experiment left but what must stay, no decoy touched, every report true', async () => {
    const random = prng(1);
    const specs = Array.from({ length: 5 }, () => trialSpec(Math.floor(random() * 2 ** 32)));
    const outcomes: TrialOutcome[] = [];
    for (let index = 0; index < specs.length; index += 2) {
      outcomes.push(...(await Promise.all(specs.slice(index, index + 2).map((spec) => runTrial(spec)))));
    }
    expect(outcomes.filter(failed).map(verdict)).toEqual([]);
    // The harness really did something: resources, decoys and faults.
    expect(outcomes.reduce((sum, outcome) => sum + outcome.resources, 0)).toBeGreaterThan(50);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.decoys, 0)).toBeGreaterThan(50);
    const fired = outcomes.flatMap((outcome) => Object.values(outcome.faults));
    expect(fired.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  });

  // Replayed seeds of failed benchmark trials, kept as regressions.
  it.each([
    [
      '0x857d6fe7',
      'two runs at once under 5xx and stale listings: a deleted internet gateway still listed after three passes made a run say "incomplete" with nothing left (passes are now 5)',
    ],
    [
      '0xeb3bf791',
      'DependencyViolation on detaching and then on deleting the internet gateway outlasted three idle rounds: the gateway and its VPC leaked (refusals are now retried within the call)',
    ],
    [
      '0xcb598434',
      'the same with images kept and squatters in the VPC: the gateway leaked beside the VPC that had to stay',
    ],
  ])('seed %s: %s', async (seed) => {
    const outcome = await runTrial(trialSpec(Number(seed)));
    expect(verdict(outcome)).toMatchObject({
      leaks: [],
      collateral: [],
      falseVerified: false,
      unreported: [],
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.pessimistic).toBe(0);
  });
});
