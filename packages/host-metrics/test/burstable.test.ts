import { describe, expect, it } from 'vitest';
import { burstableWarning, isBurstable } from '../src/index.js';

describe('isBurstable', () => {
  it.each(['t2.micro', 't3.large', 't3a.xlarge', 't4g.medium', 'T3.Large'])('%s is burstable', (type) => {
    expect(isBurstable(type)).toBe(true);
  });
  it.each(['m5.large', 'i4i.xlarge', 'c7g.2xlarge', 'r6i.large', 't1.micro', 'x2gd.large', ''])(
    '%s is not burstable',
    (type) => {
      expect(isBurstable(type)).toBe(false);
    },
  );
});

describe('burstableWarning', () => {
  it('says nothing without burstable types', () => {
    expect(burstableWarning(['i4i.xlarge', 'm5.large'])).toBeUndefined();
    expect(burstableWarning([])).toBeUndefined();
  });

  it('names each burstable type once', () => {
    expect(burstableWarning(['t3.large', 'm5.large', 't3.large'])).toMatch(
      /^t3\.large results are not steady-state: burstable instances run at full speed only while they have CPU credits/,
    );
    expect(burstableWarning(['t3.small', 't3.large', 't4g.micro', 'i4i.xlarge'])).toMatch(
      /^t3\.large, t3\.small and t4g\.micro results are not steady-state: /,
    );
  });
});
