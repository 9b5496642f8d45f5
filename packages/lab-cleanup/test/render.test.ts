import { createEmitter } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { cleanupView } from '../src/render.js';

describe('the cleanup live view', () => {
  it('shows the round, deleted of all, those of this round, and the last deletion', () => {
    const view = cleanupView();
    const events = createEmitter({
      source: '@lab/tag-cleanup',
      prefix: 'execute',
      sink: (event) => view.observe(event, 0),
    });
    expect(view.describe(0)).toBeUndefined();
    events.emit('round.started', 'Round 1: 23 resource(s) left', { round: 1, remaining: 23 });
    expect(view.describe(0)).toBe('round 1 · 0/23 deleted · Round 1: 23 resource(s) left');
    events.emit('resource.deleted', 'Deleted: instance i-1 (us-east-1)', {
      progress: { done: 21, total: 23, label: 'deleted' },
    });
    events.emit('round.started', 'Round 2: 2 resource(s) left', { round: 2, remaining: 2 });
    events.emit('resource.deleted', 'Deleted: subnet subnet-1 (us-east-1)', {
      progress: { done: 22, total: 23, label: 'deleted' },
    });
    expect(view.describe(0)).toBe(
      'round 2 · 22/23 deleted, 1 this round · Deleted: subnet subnet-1 (us-east-1)',
    );
    events.emit('resource.failed', 'vpc vpc-1: DependencyViolation (will retry)', { round: 2 }, 'debug');
    expect(view.describe(0)).toMatch(/· vpc vpc-1: DependencyViolation \(will retry\)$/);
    events.emit('finished', 'Deleted 22 of 23 in 2 round(s)');
    expect(view.describe(0)).toBeUndefined();
  });
});
