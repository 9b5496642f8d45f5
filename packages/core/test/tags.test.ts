import { describe, expect, it } from 'vitest';
import {
  assertValidTags,
  belongsToExperiment,
  fromAwsTags,
  labTags,
  tagIssues,
  toAwsTags,
  ValidationError,
} from '../src/index.js';

describe('tagIssues', () => {
  it('accepts what AWS accepts', () => {
    expect(
      tagIssues({
        Project: 'pulsar-aws-lab',
        'team:owner': 'streaming@example.com',
        'Cost Center': '42 / eu_west+1=ok',
        Ünïcode: 'wert-ÄÖÜ',
        Empty: '',
        [`k${'x'.repeat(127)}`]: 'v'.repeat(256),
      }),
    ).toEqual([]);
  });

  it('rejects an empty key and a key over 128 characters', () => {
    expect(tagIssues({ '': 'v' })[0]).toMatchObject({ message: 'tag key has the wrong length' });
    expect(tagIssues({ ['k'.repeat(129)]: 'v' })[0]).toMatchObject({ received: '129' });
  });

  it('counts characters, not bytes', () => {
    expect(tagIssues({ ['é'.repeat(128)]: 'ü'.repeat(256) })).toEqual([]);
    expect(tagIssues({ k: 'ü'.repeat(257) })[0]).toMatchObject({ message: 'tag value is too long' });
  });

  it('rejects the reserved aws: prefix in any case', () => {
    for (const key of ['aws:cloudformation', 'AWS:x', 'Aws:y']) {
      expect(tagIssues({ [key]: 'v' }).map((i) => i.message)).toContain(
        'the "aws:" prefix is reserved for AWS',
      );
    }
    expect(tagIssues({ awsome: 'v' })).toEqual([]);
  });

  it('rejects characters outside letters, digits, spaces and _ . : / = + - @', () => {
    for (const bad of ['a*b', 'semi;colon', 'quote"', 'new\nline', 'tab\t', 'hash#', 'comma,', 'brace{']) {
      expect(tagIssues({ [bad]: 'ok' }).length, bad).toBeGreaterThan(0);
      expect(tagIssues({ ok: bad }).length, bad).toBeGreaterThan(0);
    }
  });

  it('rejects more than 50 tags', () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    expect(tagIssues(fifty)).toEqual([]);
    expect(tagIssues({ ...fifty, k50: 'v' })[0]).toMatchObject({ message: 'too many tags', received: '51' });
  });

  it('rejects keys that collide ignoring case (IAM treats them as one)', () => {
    expect(
      tagIssues([
        { Key: 'Owner', Value: 'a' },
        { Key: 'owner', Value: 'b' },
      ])[0]?.message,
    ).toMatch(/duplicate tag key/);
  });

  it('throws a ValidationError listing every issue with a hint', () => {
    try {
      assertValidTags({ 'aws:x': 'v', 'b*': 'c' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const validation = error as ValidationError;
      expect(validation.code).toBe('VALIDATION_FAILED');
      expect(validation.issues).toHaveLength(2);
      expect(validation.hint).toMatch(/aws:/);
    }
  });
});

describe('labTags', () => {
  it('adds the lab vocabulary to user tags', () => {
    expect(
      labTags({ experimentId: 'exp-20260101-120000', component: 'bookkeeper', userTags: { Owner: 'ana' } }),
    ).toEqual({
      Project: 'pulsar-aws-lab',
      ExperimentID: 'exp-20260101-120000',
      Component: 'bookkeeper',
      ManagedBy: 'pulsar-aws-lab',
      Owner: 'ana',
    });
  });

  it('refuses user tags that redefine lab keys, in any case', () => {
    expect(() => labTags({ experimentId: 'e1', userTags: { project: 'other' } })).toThrow(ValidationError);
    expect(() => labTags({ experimentId: 'e1', userTags: { ExperimentID: 'e2' } })).toThrow(/owns/);
  });

  it('refuses a tag set over the limit once the lab tags are added', () => {
    const userTags = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`k${i}`, 'v']));
    expect(Object.keys(labTags({ experimentId: 'e1', component: 'broker', userTags }))).toHaveLength(50);
    userTags.k46 = 'v';
    expect(() => labTags({ experimentId: 'e1', component: 'broker', userTags })).toThrow(ValidationError);
  });
});

describe('conversions and membership', () => {
  it('round-trips the SDK shape', () => {
    const map = { A: '1', B: '' };
    expect(fromAwsTags(toAwsTags(map))).toEqual(map);
    expect(fromAwsTags([{ Key: 'A' }, { Value: 'orphan' }])).toEqual({ A: '' });
    expect(fromAwsTags(undefined)).toEqual({});
  });

  it('matches project and experiment exactly', () => {
    const tags = { Project: 'pulsar-aws-lab', ExperimentID: 'exp-20260101-120000' };
    expect(belongsToExperiment(tags, 'exp-20260101-120000')).toBe(true);
    expect(belongsToExperiment(tags, 'exp-20260101-12000')).toBe(false);
    expect(belongsToExperiment({ ...tags, Project: 'Pulsar-AWS-Lab' }, 'exp-20260101-120000')).toBe(false);
  });
});

describe('lifecycle tags', () => {
  it('are the lab’s too: user tags may not set CreatedAt or ExpiresAt', () => {
    expect(() => labTags({ experimentId: 'e1', userTags: { expiresAt: 'never' } })).toThrow(/owns/);
  });
});
