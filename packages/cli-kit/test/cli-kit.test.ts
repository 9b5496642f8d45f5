import { EventEmitter } from 'node:events';
import { AbortedError, createEmitter, createVirtualTime, LabError, ValidationError } from '@lab/core';
import { describe, expect, it } from 'vitest';
import {
  chooseMode,
  colorEnabled,
  createPalette,
  createRenderer,
  EXIT_CODES,
  exitCodeFor,
  formatElapsed,
  formatError,
  hoistGlobalFlags,
  parseDuration,
  runCli,
  visibleWidth,
} from '../src/index.js';

const capture = (isTTY = false) => {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => chunks.push(chunk),
    isTTY,
    columns: 80,
    text: () => chunks.join(''),
    chunks,
  };
};
const plain = createPalette(false);

describe('colour', () => {
  it('honours NO_COLOR over everything, then FORCE_COLOR, then the terminal', () => {
    expect(colorEnabled({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, stream: { isTTY: true } })).toBe(false);
    expect(colorEnabled({ env: { FORCE_COLOR: '1' }, stream: { isTTY: false } })).toBe(true);
    expect(colorEnabled({ env: { FORCE_COLOR: '0' }, stream: { isTTY: true } })).toBe(false);
    expect(colorEnabled({ env: {}, stream: { isTTY: true } })).toBe(true);
    expect(colorEnabled({ env: { TERM: 'dumb' }, stream: { isTTY: true } })).toBe(false);
    expect(colorEnabled({ env: {}, stream: { isTTY: false } })).toBe(false);
  });
});

describe('renderer', () => {
  it('chooses json for --json, live on a terminal, plain lines otherwise', () => {
    expect(chooseMode({ json: true, stream: { isTTY: true }, env: {} })).toBe('json');
    expect(chooseMode({ json: false, stream: { isTTY: true }, env: {} })).toBe('live');
    expect(chooseMode({ json: false, stream: { isTTY: false }, env: {} })).toBe('plain');
    expect(chooseMode({ json: false, stream: { isTTY: true }, env: { CI: 'true' } })).toBe('plain');
  });

  it('prints timestamped plain lines, hides debug unless verbose', () => {
    const time = createVirtualTime(Date.UTC(2026, 0, 1, 10, 0, 0));
    const out = capture();
    const renderer = createRenderer({ mode: 'plain', stream: out, palette: plain, clock: time.clock });
    const events = createEmitter({ source: 't', sink: renderer.sink, clock: time.clock });
    renderer.phase('setup');
    events.emit('a', 'Waiting for 9 instances');
    events.emit('b', 'noise', undefined, 'debug');
    events.emit('c', 'Throttled, retrying', undefined, 'warn');
    renderer.close();
    expect(out.text()).toBe(
      [
        '2026-01-01T10:00:00.000Z == setup',
        '2026-01-01T10:00:00.000Z Waiting for 9 instances',
        '2026-01-01T10:00:00.000Z WARN Throttled, retrying',
        '',
      ].join('\n'),
    );
  });

  it('emits NDJSON events, phases and the result in json mode and nothing on the human stream', () => {
    const out = capture();
    const json = capture();
    const renderer = createRenderer({ mode: 'json', stream: out, jsonStream: json, palette: plain });
    renderer.phase('teardown');
    createEmitter({ source: 't', sink: renderer.sink }).emit('x.y', 'hello', { n: 1 }, 'debug');
    renderer.line('for humans only');
    renderer.result({ deleted: 3 });
    const lines = json
      .text()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.type)).toEqual(['phase', 'x.y', 'result']);
    expect(lines[1]).toMatchObject({ message: 'hello', data: { n: 1 }, level: 'debug' });
    expect(lines[2]).toMatchObject({ data: { deleted: 3 } });
    expect(out.text()).toBe('');
  });

  it('keeps a live status line with phase, progress, what is awaited and elapsed time', () => {
    const time = createVirtualTime(Date.UTC(2026, 0, 1));
    const out = capture(true);
    const renderer = createRenderer({
      mode: 'live',
      stream: out,
      palette: plain,
      clock: time.clock,
      refreshMs: 60_000,
    });
    renderer.phase('health cascade');
    time.advance(72_000);
    createEmitter({ source: 't', sink: renderer.sink }).emit(
      'cascade.progress',
      'waiting for SSM agents',
      { progress: { done: 7, total: 9, label: 'SSM online' } },
      'debug',
    );
    const last = out.chunks.at(-1)!;
    expect(last).toContain('health cascade');
    expect(last).toContain('SSM online 7/9');
    expect(last).toContain('waiting for SSM agents');
    expect(last).toContain('1m12s');
    renderer.close();
    expect(out.chunks.at(-1)).toBe('\r\u001b[2K');
  });

  it('keeps the live line to one line of the terminal, whatever the message', () => {
    const time = createVirtualTime(Date.UTC(2026, 0, 1));
    const out = capture(true);
    const renderer = createRenderer({
      mode: 'live',
      stream: out,
      palette: plain,
      clock: time.clock,
      refreshMs: 60_000,
    });
    renderer.phase('terraform apply');
    time.advance(5_000);
    createEmitter({ source: 't', sink: renderer.sink }).emit(
      'x',
      `aws_instance.bookie[2]: Still creating... [10s elapsed]\n${'x'.repeat(200)}`,
      undefined,
      'debug',
    );
    const last = out.chunks.at(-1)!;
    expect(visibleWidth(last)).toBeLessThanOrEqual(79);
    expect(last).not.toMatch(/[\n\r]/);
    // Phase and elapsed time stay; the message is what is cut.
    expect(last).toMatch(/^⠋ terraform apply · aws_instance\.bookie\[2\]: Still creating[^·]*… · 5s$/);
    renderer.close();
  });

  it('shows the first status view with something to say, and resets views on a new phase', () => {
    const out = capture(true);
    const seen: string[] = [];
    let resets = 0;
    const renderer = createRenderer({
      mode: 'live',
      stream: out,
      palette: plain,
      refreshMs: 60_000,
      views: [
        { observe: () => undefined, describe: () => undefined },
        {
          observe: (event) => seen.push(event.type),
          describe: () => (seen.length === 0 ? undefined : `round 2 · ${seen.length} seen`),
          reset: () => {
            resets += 1;
            seen.length = 0;
          },
        },
      ],
    });
    renderer.phase('delete');
    createEmitter({ source: 't', sink: renderer.sink }).emit(
      'execute.round.started',
      'Round 2',
      undefined,
      'debug',
    );
    expect(out.chunks.at(-1)).toMatch(/^⠋ delete · round 2 · 1 seen · 0s$/);
    renderer.phase('verify');
    expect(resets).toBe(2);
    renderer.close();
  });

  it('holds lines while suspended and tells the width to fit tables to', async () => {
    const out = capture(true);
    const renderer = createRenderer({ mode: 'live', stream: out, palette: plain, refreshMs: 60_000 });
    expect(renderer.width()).toBe(80);
    expect(createRenderer({ mode: 'plain', stream: capture(false), palette: plain }).width()).toBeUndefined();
    renderer.phase('delete');
    await renderer.suspend(async () => {
      const before = out.chunks.length;
      renderer.line('later');
      expect(out.chunks.length).toBe(before);
    });
    expect(out.text()).toContain('later\n');
    renderer.close();
  });

  it('steps aside for writes to stdout on the same terminal, and lets go of stdout when closed', () => {
    const log: string[] = [];
    const stream = { write: (chunk: string) => log.push(`err:${chunk}`), isTTY: true, columns: 80 };
    const stdout = { write: (chunk: string) => log.push(`out:${chunk}`), isTTY: true, columns: 80 };
    const ownWrite = stdout.write;
    const renderer = createRenderer({ mode: 'live', stream, stdout, palette: plain, refreshMs: 60_000 });
    renderer.phase('teardown');
    log.length = 0;
    stdout.write('/tmp/report/index.html\n');
    expect(log[0]).toBe('err:\r\u001b[2K');
    expect(log[1]).toBe('out:/tmp/report/index.html\n');
    expect(log[2]).toMatch(/^err:⠋ teardown · /);
    renderer.close();
    expect(stdout.write).toBe(ownWrite);
    log.length = 0;
    stdout.write('after\n');
    expect(log).toEqual(['out:after\n']);
  });

  it('formats elapsed time compactly', () => {
    expect([formatElapsed(999), formatElapsed(61_000), formatElapsed(3_725_000)]).toEqual([
      '0s',
      '1m01s',
      '1h02m',
    ]);
  });
});

describe('arguments', () => {
  const spec = { flags: ['--json', '--yes'], options: ['--region', '--profile'] };
  it('moves global flags before the subcommand to after it', () => {
    expect(hoistGlobalFlags(['--json', '--region', 'eu-west-1', 'list', '--all'], ['list'], spec)).toEqual([
      'list',
      '--json',
      '--region',
      'eu-west-1',
      '--all',
    ]);
    expect(hoistGlobalFlags(['--region=us-east-1', 'delete', 'x'], ['delete'], spec)).toEqual([
      'delete',
      '--region=us-east-1',
      'x',
    ]);
    expect(hoistGlobalFlags(['list', '--json'], ['list'], spec)).toEqual(['list', '--json']);
    expect(hoistGlobalFlags(['--help'], ['list'], spec)).toEqual(['--help']);
  });

  it('parses durations and explains bad ones', () => {
    expect(parseDuration('6h')).toBe(21_600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5d')).toBe(129_600_000);
    expect(() => parseDuration('6 hours', 'older-than')).toThrow(ValidationError);
  });
});

describe('errors and exit codes', () => {
  it('maps error codes to the documented exit codes', () => {
    expect(exitCodeFor(new ValidationError('bad', []))).toBe(EXIT_CODES.usage);
    expect(exitCodeFor(new AbortedError())).toBe(EXIT_CODES.interrupted);
    expect(exitCodeFor(new LabError('CONFIRMATION_REQUIRED', 'x'))).toBe(EXIT_CODES.declined);
    expect(exitCodeFor(new LabError('INCOMPLETE', 'x'))).toBe(EXIT_CODES.incomplete);
    expect(exitCodeFor(new LabError('SSM_TIMEOUT', 'x'))).toBe(EXIT_CODES.failure);
    expect(exitCodeFor(new Error('x'))).toBe(EXIT_CODES.failure);
  });

  it('renders issues, causes and the hint', () => {
    const error = new ValidationError(
      'Invalid test plan',
      [
        {
          file: 'plan.yaml',
          line: 4,
          column: 3,
          path: 'runs.0.rate',
          message: 'wrong type',
          expected: 'number',
          received: '"fast"',
        },
      ],
      { hint: 'See configs/test-plans/poc.yaml', cause: new Error('root cause') },
    );
    expect(formatError(error, plain)).toBe(
      [
        'error: Invalid test plan',
        '  plan.yaml:4:3 runs.0.rate: wrong type (expected number, got "fast")',
        '  caused by: root cause',
        'hint: See configs/test-plans/poc.yaml',
      ].join('\n'),
    );
  });
});

describe('runCli', () => {
  const fakeProcess = () => {
    const emitter = new EventEmitter();
    const exits: number[] = [];
    return {
      on: emitter.on.bind(emitter),
      off: emitter.off.bind(emitter),
      exit: (code: number) => {
        exits.push(code);
      },
      emit: (signal: string) => emitter.emit(signal, signal),
      exits,
    };
  };

  it('returns the body’s code, and renders a failure with its exit code', async () => {
    const stderr = capture();
    const proc = fakeProcess();
    expect(
      await runCli({ json: false, stderr, stdout: capture(), process: proc, env: {} }, async () => 3),
    ).toBe(3);
    const code = await runCli(
      { json: false, stderr, stdout: capture(), process: proc, env: {} },
      async () => {
        throw new LabError('X', 'it broke', { hint: 'do y' });
      },
    );
    expect(code).toBe(EXIT_CODES.failure);
    expect(stderr.text()).toContain('error: it broke\nhint: do y');
  });

  it('writes errors as JSON with --json', async () => {
    const stdout = capture();
    const code = await runCli(
      { json: true, stderr: capture(), stdout, process: fakeProcess(), env: {} },
      async () => {
        throw new ValidationError('bad flag', [{ path: 'region', message: 'nope' }]);
      },
    );
    expect(code).toBe(EXIT_CODES.usage);
    expect(JSON.parse(stdout.text())).toMatchObject({ type: 'error', error: { code: 'VALIDATION_FAILED' } });
  });

  it('prints process warnings above the live line, and gives Node its printer back afterwards', async () => {
    const before = process.listeners('warning');
    const stderr = capture(true);
    await runCli({ json: false, stderr, stdout: capture(), env: { NO_COLOR: '1' } }, async () => {
      process.emitWarning('Node 20 reached its end of life', 'NodeVersionSupportWarning');
      await new Promise((resolve) => setImmediate(resolve));
      return 0;
    });
    expect(stderr.text()).toContain('warning: NodeVersionSupportWarning: Node 20 reached its end of life\n');
    expect(process.listeners('warning')).toEqual(before);
  });

  it('aborts on the first Ctrl-C and exits at once on the second, printing the follow-up command', async () => {
    const proc = fakeProcess();
    const stderr = capture();
    const code = await runCli(
      { json: false, stderr, stdout: capture(), process: proc, env: {} },
      async (context) => {
        context.setForceExitMessage('Finish with: lab-cleanup exp-1 --execute');
        proc.emit('SIGINT');
        expect(context.signal.aborted).toBe(true);
        proc.emit('SIGINT');
        throw context.signal.reason;
      },
    );
    expect(proc.exits).toEqual([130]);
    expect(stderr.text()).toContain('stopping and cleaning up');
    expect(stderr.text()).toContain('Exiting at once. Finish with: lab-cleanup exp-1 --execute');
    expect(code).toBe(EXIT_CODES.interrupted);
  });
});
