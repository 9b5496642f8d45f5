import { AbortedError, collectEvents, createVirtualTime, ValidationError } from '@lab/core';
import { describe, expect, it, vi } from 'vitest';
import { CascadeStageError, type Observation, runCascade, type Stage, type Target } from '../src/index.js';

const targets: Target[] = [
  { id: 'a', label: 'zookeeper-1' },
  { id: 'b', label: 'bookkeeper-1' },
  { id: 'c' },
];

/** A stage whose targets become ready at the given virtual times (ms after the cascade started). */
function timedStage(
  name: string,
  readyAt: Record<string, number>,
  clock: { now(): number },
  origin: number,
  extra: Partial<Stage> = {},
): Stage & { rounds: number[] } {
  const rounds: number[] = [];
  return {
    name,
    timeoutMs: 60_000,
    rounds,
    observe(list) {
      const elapsed = clock.now() - origin;
      rounds.push(elapsed);
      return Object.fromEntries(
        list.map((target): [string, Observation] => {
          const at = readyAt[target.id] ?? Number.POSITIVE_INFINITY;
          return [
            target.id,
            elapsed >= at ? { ready: true, detail: 'up' } : { ready: false, detail: 'down' },
          ];
        }),
      );
    },
    ...extra,
  };
}

describe('runCascade', () => {
  it('runs stages in order, starting each as soon as the previous one passed', async () => {
    const time = createVirtualTime();
    const origin = time.clock.now();
    const first = timedStage('first', { a: 3000, b: 5000, c: 4000 }, time.clock, origin);
    const second = timedStage('second', { a: 0, b: 0, c: 0 }, time.clock, origin);
    const { sink, events } = collectEvents();

    const report = await runCascade({ stages: [first, second], targets, events: sink, ...time });

    expect(report.stages.map((stage) => stage.name)).toEqual(['first', 'second']);
    const firstPassedAt = first.rounds.at(-1)!;
    expect(firstPassedAt).toBeGreaterThanOrEqual(5000);
    // Readiness at 5 s is noticed within one short poll interval.
    expect(firstPassedAt).toBeLessThanOrEqual(7000);
    expect(second.rounds).toEqual([firstPassedAt]);
    expect(report.stages[1]).toMatchObject({ attempts: 1, elapsedMs: 0, targets: 3 });
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('cascade.started');
    expect(types.indexOf('cascade.stage.passed')).toBeLessThan(types.lastIndexOf('cascade.stage.started'));
    expect(types.at(-1)).toBe('cascade.passed');
  });

  it('polls on a short schedule by default: 1 s, then 1.5 s, then every 2 s', async () => {
    const time = createVirtualTime();
    const stage = timedStage('slow', { a: 20_000, b: 0, c: 0 }, time.clock, time.clock.now());
    await runCascade({ stages: [stage], targets, ...time });
    expect(time.sleeps.slice(0, 4)).toEqual([1000, 1500, 2000, 2000]);
    expect(stage.rounds.at(-1)! - 20_000).toBeLessThanOrEqual(2000);
  });

  it('emits stage start, per-target changes with progress (debug), and pass with elapsed time', async () => {
    const time = createVirtualTime();
    const stage = timedStage('SSM agent online', { a: 0, b: 2000, c: 4000 }, time.clock, time.clock.now(), {
      progressLabel: 'SSM online',
    });
    const { sink, events } = collectEvents();
    await runCascade({ stages: [stage], targets, events: sink, ...time });

    const started = events.find((event) => event.type === 'cascade.stage.started')!;
    expect(started.data).toMatchObject({ stage: 'SSM agent online', targets: 3 });
    const changes = events.filter((event) => event.type === 'cascade.stage.target');
    // a: ready; b, c: down → b ready → c ready. Unchanged observations emit nothing.
    expect(changes.map((event) => [event.data?.target, event.data?.ready])).toEqual([
      ['a', true],
      ['b', false],
      ['c', false],
      ['b', true],
      ['c', true],
    ]);
    expect(changes.every((event) => event.level === 'debug')).toBe(true);
    expect(changes.at(-1)!.data?.progress).toEqual({ done: 3, total: 3, label: 'SSM online' });
    expect(changes[3]!.data?.progress).toEqual({ done: 2, total: 3, label: 'SSM online' });
    expect(changes[3]!.message).toContain('bookkeeper-1 ready');
    const passed = events.find((event) => event.type === 'cascade.stage.passed')!;
    expect(passed.data?.elapsedMs).toBeGreaterThanOrEqual(4000);
    expect(passed.message).toMatch(/SSM agent online: all 3 ready after \d+ s/);
  });

  it('fails a stage at its own timeout with every target not ready and its last observation', async () => {
    const time = createVirtualTime();
    const origin = time.clock.now();
    const first = timedStage('first', { a: 0, b: 0, c: 0 }, time.clock, origin);
    const stuck = timedStage('services active', { a: 0 }, time.clock, origin, {
      timeoutMs: 10_000,
      hint: 'look at journalctl',
    });
    const never = timedStage('never reached', {}, time.clock, origin);
    const onFailure = vi.fn();
    const { sink, events } = collectEvents();

    const error = await runCascade({
      stages: [first, stuck, never],
      targets,
      events: sink,
      onFailure,
      ...time,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CascadeStageError);
    const failure = error as CascadeStageError;
    expect(failure).toMatchObject({
      code: 'CASCADE_STAGE_FAILED',
      stage: 'services active',
      reason: 'timeout',
    });
    expect(failure.elapsedMs).toBe(10_000);
    expect(failure.notReady.map(({ target, observation }) => [target.id, observation.detail])).toEqual([
      ['b', 'down'],
      ['c', 'down'],
    ]);
    expect(failure.message).toContain(
      'Stage "services active" timed out after 10 s; 2 of 3 target(s) not ready',
    );
    expect(failure.message).toContain('  - bookkeeper-1 (b): down');
    expect(failure.message).toContain('  - c: down');
    expect(failure.hint).toBe('look at journalctl');
    expect(failure.toJSON()).toMatchObject({
      details: {
        stage: 'services active',
        reason: 'timeout',
        notReady: [
          { id: 'b', label: 'bookkeeper-1', detail: 'down' },
          { id: 'c', detail: 'down' },
        ],
      },
    });
    expect(never.rounds).toEqual([]);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledWith(failure);
    const failed = events.find((event) => event.type === 'cascade.stage.failed')!;
    expect(failed.level).toBe('error');
    expect(failed.data).toMatchObject({ stage: 'services active', elapsedMs: 10_000 });
    expect(events.at(-1)!.type).toBe('cascade.failed');
  });

  it('fails fast on a terminal observation instead of waiting for the timeout', async () => {
    const time = createVirtualTime();
    let round = 0;
    const stage: Stage = {
      name: 'instances running',
      timeoutMs: 600_000,
      observe: () => {
        round += 1;
        return {
          a: { ready: true, detail: 'running' },
          b: { ready: false, detail: 'pending' },
          c:
            round < 3
              ? { ready: false, detail: 'pending' }
              : { ready: false, terminal: true, detail: 'terminated: Server.InsufficientInstanceCapacity' },
        };
      },
    };
    const onFailure = vi.fn();
    const error = (await runCascade({ stages: [stage], targets, onFailure, ...time }).catch(
      (caught: unknown) => caught,
    )) as CascadeStageError;
    expect(error.reason).toBe('terminal');
    expect(round).toBe(3);
    expect(error.elapsedMs).toBe(2500);
    // The terminal target is listed first.
    expect(error.message).toMatch(
      /can never become ready; 2 of 3 target\(s\) not ready:\n {2}- c: terminated: Server.InsufficientInstanceCapacity \[terminal\]\n {2}- bookkeeper-1 \(b\): pending/,
    );
    expect(onFailure).toHaveBeenCalledTimes(1);
  });

  it('rejects with AbortedError when aborted, without calling onFailure', async () => {
    const time = createVirtualTime();
    const controller = new AbortController();
    let rounds = 0;
    const stage: Stage = {
      name: 'endpoints healthy',
      timeoutMs: 600_000,
      observe: () => {
        rounds += 1;
        if (rounds === 2) controller.abort();
        return { a: { ready: false, detail: 'down' } };
      },
    };
    const onFailure = vi.fn();
    const { sink, events } = collectEvents();
    const error = await runCascade({
      stages: [stage],
      targets: [{ id: 'a' }],
      signal: controller.signal,
      onFailure,
      events: sink,
      ...time,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortedError);
    expect(rounds).toBe(2);
    expect(onFailure).not.toHaveBeenCalled();
    expect(events.some((event) => event.type === 'cascade.stage.aborted')).toBe(true);
  });

  it('stops at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const observe = vi.fn(() => ({}));
    await expect(
      runCascade({
        stages: [{ name: 's', timeoutMs: 1000, observe }],
        targets,
        signal: controller.signal,
        ...createVirtualTime(),
      }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(observe).not.toHaveBeenCalled();
  });

  it('treats transient errors as "not ready yet" and reports the last one on timeout', async () => {
    const time = createVirtualTime();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    let rounds = 0;
    const recovering: Stage = {
      name: 'recovering',
      timeoutMs: 60_000,
      isTransientError: (error) => error === throttled,
      observe: () => {
        rounds += 1;
        if (rounds < 3) throw throttled;
        return { a: { ready: true, detail: 'ok' } };
      },
    };
    await expect(
      runCascade({ stages: [recovering], targets: [{ id: 'a' }], ...time }),
    ).resolves.toMatchObject({
      stages: [{ name: 'recovering', attempts: 3 }],
    });

    const alwaysThrottled: Stage = {
      name: 'throttled',
      timeoutMs: 5000,
      isTransientError: () => true,
      observe: () => {
        throw throttled;
      },
    };
    const error = (await runCascade({ stages: [alwaysThrottled], targets: [{ id: 'a' }], ...time }).catch(
      (caught: unknown) => caught,
    )) as CascadeStageError;
    expect(error.reason).toBe('timeout');
    expect(error.notReady[0]!.observation.detail).toBe('never observed (Rate exceeded)');
    expect(error.cause).toBe(throttled);
  });

  it('fails the stage with the cause when observe throws a non-transient error', async () => {
    const denied = Object.assign(new Error('not authorized to perform ec2:DescribeInstances'), {
      name: 'UnauthorizedOperation',
    });
    const error = (await runCascade({
      stages: [
        {
          name: 'instances running',
          timeoutMs: 60_000,
          observe: () => {
            throw denied;
          },
        },
      ],
      targets,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('error');
    expect(error.cause).toBe(denied);
    expect(error.message).toContain('failed after 0 ms: not authorized to perform ec2:DescribeInstances');
  });

  it('counts a target without an observation as not ready', async () => {
    const error = (await runCascade({
      stages: [{ name: 's', timeoutMs: 3000, observe: () => ({ a: { ready: true, detail: 'ok' } }) }],
      targets: [{ id: 'a' }, { id: 'b' }],
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.notReady.map((entry) => [entry.target.id, entry.observation.detail])).toEqual([
      ['b', 'no observation in this round'],
    ]);
  });

  it('keeps the stage failure when onFailure throws, and reports the hook error', async () => {
    const { sink, events } = collectEvents();
    const hookError = new Error('cleanup could not start');
    const error = (await runCascade({
      stages: [{ name: 's', timeoutMs: 1000, observe: () => ({}) }],
      targets: [{ id: 'a' }],
      onFailure: () => {
        throw hookError;
      },
      events: sink,
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error).toBeInstanceOf(CascadeStageError);
    expect(error.onFailureError).toBe(hookError);
    expect(events.find((event) => event.type === 'cascade.on-failure.failed')?.level).toBe('error');
  });

  it('honours a cascade-wide deadline before a stage timeout', async () => {
    const time = createVirtualTime();
    const error = (await runCascade({
      stages: [{ name: 's', timeoutMs: 600_000, observe: () => ({}) }],
      targets: [{ id: 'a' }],
      deadline: time.clock.now() + 7000,
      ...time,
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('timeout');
    expect(error.elapsedMs).toBe(7000);
  });

  it('gives observe the round, its deadline and remaining time', async () => {
    const time = createVirtualTime();
    const seen: Array<{ attempt: number; remainingMs: number }> = [];
    await runCascade({
      stages: [
        {
          name: 's',
          timeoutMs: 10_000,
          observe: (_targets, context) => {
            seen.push({ attempt: context.attempt, remainingMs: context.remainingMs });
            return { a: { ready: context.attempt === 2, detail: '' } };
          },
        },
      ],
      targets: [{ id: 'a' }],
      ...time,
    });
    expect(seen).toEqual([
      { attempt: 1, remainingMs: 10_000 },
      { attempt: 2, remainingMs: 9000 },
    ]);
  });

  it('checks only the targets a stage applies to, and passes a stage without targets', async () => {
    const seen: string[][] = [];
    const report = await runCascade({
      stages: [
        {
          name: 'brokers only',
          timeoutMs: 1000,
          appliesTo: (target) => target.id === 'b',
          observe: (list) => {
            seen.push(list.map((target) => target.id));
            return { b: { ready: true, detail: 'ok' } };
          },
        },
        { name: 'nobody', timeoutMs: 1000, appliesTo: () => false, observe: () => ({}) },
      ],
      targets,
      ...createVirtualTime(),
    });
    expect(seen).toEqual([['b']]);
    expect(report.stages[1]).toEqual({ name: 'nobody', elapsedMs: 0, attempts: 0, targets: 0 });
  });

  it('rejects duplicate target ids before observing anything', async () => {
    const observe = vi.fn(() => ({}));
    await expect(
      runCascade({
        stages: [{ name: 's', timeoutMs: 1000, observe }],
        targets: [{ id: 'a' }, { id: 'a' }],
        ...createVirtualTime(),
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(observe).not.toHaveBeenCalled();
  });
});
