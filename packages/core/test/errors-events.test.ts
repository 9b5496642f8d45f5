import { describe, expect, it } from 'vitest';
import {
  collectEvents,
  createEmitter,
  createVirtualTime,
  errorMessage,
  fanOut,
  formatEventJson,
  formatEventLine,
  formatIssue,
  LabError,
  ValidationError,
  withContext,
} from '../src/index.js';

describe('errors', () => {
  it('carry a stable code, a hint, details and a cause', () => {
    const cause = new Error('socket hang up');
    const error = new LabError('SSM_SEND_FAILED', 'Could not send', {
      hint: 'check IAM',
      cause,
      details: { n: 1 },
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('LabError');
    expect(error.cause).toBe(cause);
    expect(error.toJSON()).toEqual({
      name: 'LabError',
      code: 'SSM_SEND_FAILED',
      message: 'Could not send',
      hint: 'check IAM',
      details: { n: 1 },
      cause: { name: 'Error', message: 'socket hang up' },
    });
  });

  it('withContext keeps the code and hint of a lab error and wraps anything else', () => {
    const inner = new ValidationError('bad', [{ path: 'a', message: 'm' }], { hint: 'fix a' });
    const wrapped = withContext(inner, 'Loading config.yaml');
    expect(wrapped.code).toBe('VALIDATION_FAILED');
    expect(wrapped.hint).toBe('fix a');
    expect(wrapped.message).toBe('Loading config.yaml: bad');
    expect(wrapped.cause).toBe(inner);
    expect(withContext('boom', 'Doing x').code).toBe('UNEXPECTED');
  });

  it('formats issues with location and expectation', () => {
    expect(
      formatIssue({
        file: 'infra.yaml',
        line: 3,
        column: 5,
        path: 'roles.broker.count',
        message: 'wrong type',
        expected: 'integer',
        received: '"two"',
      }),
    ).toBe('infra.yaml:3:5 roles.broker.count: wrong type (expected integer, got "two")');
    expect(formatIssue({ path: '', message: 'empty file' })).toBe('empty file');
  });

  it('errorMessage handles every kind of thrown value', () => {
    expect(errorMessage(new Error('e'))).toBe('e');
    expect(errorMessage('s')).toBe('s');
    expect(errorMessage({ a: 1 })).toBe('{"a":1}');
  });
});

describe('events', () => {
  it('are stamped by the injected clock and delivered to every sink', () => {
    const time = createVirtualTime(Date.UTC(2026, 0, 2, 3, 4, 5));
    const a = collectEvents();
    const b = collectEvents();
    const emitter = createEmitter({ source: '@lab/test', sink: fanOut(a.sink, b.sink), clock: time.clock });
    emitter.emit('thing.started', 'Started thing', { id: 7 });
    emitter.child('stage').emit('passed', 'Stage passed', undefined, 'warn');
    expect(a.events).toEqual([
      {
        type: 'thing.started',
        level: 'info',
        time: '2026-01-02T03:04:05.000Z',
        source: '@lab/test',
        message: 'Started thing',
        data: { id: 7 },
      },
      {
        type: 'stage.passed',
        level: 'warn',
        time: '2026-01-02T03:04:05.000Z',
        source: '@lab/test',
        message: 'Stage passed',
      },
    ]);
    expect(b.events).toEqual(a.events);
    expect(formatEventLine(a.events[1]!)).toBe('2026-01-02T03:04:05.000Z WARN [@lab/test] Stage passed');
    expect(JSON.parse(formatEventJson(a.events[0]!))).toEqual(a.events[0]);
  });

  it('default to a sink that drops everything', () => {
    expect(() => createEmitter({ source: 'x' }).emit('a', 'b')).not.toThrow();
  });
});
