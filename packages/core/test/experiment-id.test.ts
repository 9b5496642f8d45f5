import { describe, expect, it } from 'vitest';
import { assertExperimentId, formatExperimentId, isExperimentId, parseExperimentId } from '../src/index.js';

describe('experiment ids', () => {
  const at = new Date(Date.UTC(2026, 10, 27, 3, 4, 5, 678));

  it('formats UTC time as exp-YYYYMMDD-HHMMSS with a suffix for later ones in the same second', () => {
    expect(formatExperimentId(at)).toBe('exp-20261127-030405');
    expect(formatExperimentId(at, 2)).toBe('exp-20261127-030405-2');
    expect(() => formatExperimentId(at, 0)).toThrow(RangeError);
  });

  it('parses generated ids back to their time and sequence', () => {
    expect(parseExperimentId('exp-20261127-030405')).toEqual({
      id: 'exp-20261127-030405',
      generated: true,
      createdAt: new Date(Date.UTC(2026, 10, 27, 3, 4, 5)),
      sequence: 1,
    });
    expect(parseExperimentId('exp-20261127-030405-3')?.sequence).toBe(3);
  });

  it('rejects ids that look generated but name an impossible time or a redundant suffix', () => {
    expect(parseExperimentId('exp-20261332-030405')).toBeUndefined();
    expect(parseExperimentId('exp-20261127-250405')).toBeUndefined();
    expect(parseExperimentId('exp-20261127-030405-1')).toBeUndefined();
  });

  it('accepts user-chosen ids that are safe everywhere', () => {
    for (const id of ['baseline', 'i4i-3-bookies', 'a', `a${'b'.repeat(62)}c`]) {
      expect(isExperimentId(id), id).toBe(true);
    }
  });

  it.each([
    '',
    'latest',
    'Upper',
    '-lead',
    'trail-',
    'has space',
    'dots.no',
    'a/b',
    `a${'b'.repeat(64)}`,
    "x'; rm -rf /",
  ])('rejects %j', (id) => {
    expect(isExperimentId(id)).toBe(false);
    expect(() => assertExperimentId(id)).toThrow(/Invalid experiment id/);
  });
});
