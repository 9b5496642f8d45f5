import { createEmitter } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { cascadeView, ombRunView } from '../src/render.js';

describe('live views', () => {
  it('an OMB run: elapsed of expected time and the achieved rate, until it ends', () => {
    const view = ombRunView();
    const events = createEmitter({
      source: '@lab/orchestrator',
      prefix: 'run',
      sink: (event) => view.observe(event, Date.parse(event.time)),
      clock: { now: () => 0 },
    });
    expect(view.describe(0)).toBeUndefined();
    events.emit('started', '001-fixed-1k started', {
      run: '001-fixed-1k',
      progress: { done: 0, total: 3, label: '001-fixed-1k min' },
    });
    expect(view.describe(100_000)).toBe('001-fixed-1k 1m40s of 3m00s');
    events.emit(
      'progress',
      'publishing',
      { run: '001-fixed-1k', state: 'running', publishRate: 998.3 },
      'debug',
    );
    expect(view.describe(100_000)).toBe('001-fixed-1k 1m40s of 3m00s · 998 msg/s');
    events.emit('succeeded', 'done', { run: '001-fixed-1k' });
    expect(view.describe(200_000)).toBeUndefined();
  });

  it('the health cascade: stage, hosts passed, and the hosts still waited for', () => {
    const view = cascadeView();
    const events = createEmitter({
      source: '@lab/health-cascade',
      prefix: 'cascade.stage',
      sink: (event) => view.observe(event, 0),
    });
    const progress = (done: number) => ({ done, total: 6, label: 'SSM online' });
    events.emit('started', 'SSM online: waiting for 6 target(s)', {
      stage: 'SSM agents online',
      targets: 6,
      progress: progress(0),
    });
    expect(view.describe(0)).toBe('SSM online 0/6 · first check');
    const hosts = ['zookeeper-1', 'zookeeper-2', 'bookkeeper-1', 'broker-1', 'broker-2', 'client-1'];
    hosts.forEach((label, index) => {
      const ready = index % 3 === 0;
      events.emit(
        'target',
        `${label} ${ready ? 'ready' : 'not ready'}`,
        { stage: 'SSM agents online', target: `i-${index}`, label, ready, progress: progress(ready ? 1 : 0) },
        'debug',
      );
    });
    expect(view.describe(0)).toBe(
      'SSM online 0/6 · waiting for zookeeper-2, bookkeeper-1, broker-2, client-1',
    );
    events.emit('round', 'next check', { stage: 'SSM agents online', progress: progress(2) }, 'debug');
    expect(view.describe(0)).toMatch(/^SSM online 2\/6 · /);
    events.emit('passed', 'all ready', { stage: 'SSM agents online', progress: progress(6) });
    expect(view.describe(0)).toBeUndefined();
  });
});
