import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createEmitter } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { confirm, createPalette, createRenderer, runCli } from '../src/index.js';

const capture = (isTTY = true) => {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => chunks.push(chunk),
    isTTY,
    columns: 80,
    text: () => chunks.join(''),
    chunks,
  };
};
const terminalInput = () => Object.assign(new PassThrough(), { isTTY: true });
/** Like a real terminal's stdin: raw mode can be switched (the keys are then echoed by confirm). */
const rawInput = (modes: boolean[] = []) =>
  Object.assign(terminalInput(), { isRaw: false, setRawMode: (mode: boolean) => modes.push(mode) });
const plain = createPalette(false);
const liveRenderer = (out: ReturnType<typeof capture>) =>
  createRenderer({ mode: 'live', stream: out, palette: plain, refreshMs: 5 });

describe('confirm', () => {
  it('passes with --yes and refuses without a terminal', async () => {
    const renderer = liveRenderer(capture());
    await expect(confirm({ question: 'Delete?', yes: true, renderer })).resolves.toBeUndefined();
    const input = Object.assign(new PassThrough(), { isTTY: false });
    await expect(
      confirm({ question: 'Delete 12 resources?', yes: false, input, renderer }),
    ).rejects.toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
    });
    renderer.close();
  });

  it('accepts only yes; end of input declines', async () => {
    const ask = async (answer: string) => {
      const input = terminalInput();
      const output = capture();
      const renderer = liveRenderer(output);
      const pending = confirm({ question: 'Delete?', yes: false, input, output, renderer });
      input.write(answer);
      try {
        return await pending;
      } finally {
        renderer.close();
      }
    };
    await expect(ask('y\n')).resolves.toBeUndefined();
    await expect(ask('YES\r')).resolves.toBeUndefined();
    await expect(ask('\n')).rejects.toMatchObject({ code: 'CONFIRMATION_DECLINED' });
    await expect(ask('nope\n')).rejects.toMatchObject({ code: 'CONFIRMATION_DECLINED' });
    await expect(ask('\u0004')).rejects.toMatchObject({ code: 'CONFIRMATION_DECLINED' });
  });

  it('steps the live view aside while asking: no status line is drawn over the question', async () => {
    const output = capture();
    const renderer = liveRenderer(output);
    renderer.phase('discover');
    createEmitter({ source: 't', sink: renderer.sink }).emit('plan.ready', 'Found 23 resource(s)');
    const input = rawInput();
    const pending = confirm({
      question: 'Delete these 23 resource(s)?',
      yes: false,
      input,
      output,
      renderer,
    });
    await new Promise((resolve) => setTimeout(resolve, 40));
    // Events while the question is open wait until it is answered.
    createEmitter({ source: 't', sink: renderer.sink }).emit('late', 'arrived during the question');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const whileAsking = output.text().slice(output.text().lastIndexOf('Delete these'));
    expect(whileAsking).toBe('Delete these 23 resource(s)? [y/N] ');
    input.write('y\n');
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = output.text().slice(output.text().lastIndexOf('Delete these'));
    expect(after).toMatch(
      /^Delete these 23 resource\(s\)\? \[y\/N\] y\n\s+\d+s arrived during the question\n/,
    );
    // The live view is back.
    expect(after).toMatch(/discover · arrived during the question · \d+s/);
    renderer.close();
  });

  it('echoes the answer and Ctrl-C in raw mode, and restores the terminal mode', async () => {
    const modes: boolean[] = [];
    const input = rawInput(modes);
    const output = capture();
    const renderer = liveRenderer(output);
    const yes = confirm({ question: 'Delete?', yes: false, input, output, renderer });
    input.write('yx\u007f\r');
    await yes;
    expect(output.text()).toContain('Delete? [y/N] yx\b \b\n');
    const cancelled = confirm({ question: 'Delete?', yes: false, input, output, renderer });
    input.write('\u0003');
    await expect(cancelled).rejects.toMatchObject({ code: 'ABORTED' });
    expect(output.text()).toContain('Delete? [y/N] ^C\n');
    expect(modes).toEqual([true, false, true, false]);
    renderer.close();
  });
});

describe('runCli confirm', () => {
  const fakeProcess = () => {
    const emitter = new EventEmitter();
    return {
      on: emitter.on.bind(emitter),
      off: emitter.off.bind(emitter),
      exit: () => undefined,
      emit: (signal: string) => emitter.emit(signal, signal),
    };
  };

  it('Ctrl-C as a signal at the question cancels it, aborts the command and exits 130', async () => {
    const proc = fakeProcess();
    const stderr = capture(false);
    const stdin = terminalInput();
    let aborted = false;
    const code = await runCli(
      { json: false, stderr, stdout: capture(false), process: proc, env: {}, stdin },
      async (context) => {
        const pending = context.confirm('Create the cluster for about US$12.00?');
        proc.emit('SIGINT');
        await pending.finally(() => {
          aborted = context.signal.aborted;
        });
        return 0;
      },
    );
    expect(code).toBe(130);
    expect(aborted).toBe(true);
    expect(stderr.text()).not.toContain('stopping and cleaning up');
    expect(stderr.text()).toContain('Create the cluster for about US$12.00? [y/N] \n');
  });

  it('--yes confirms without asking; a Ctrl-C key at the question aborts the command', async () => {
    const proc = fakeProcess();
    expect(
      await runCli(
        { json: false, stderr: capture(), stdout: capture(), process: proc, env: {}, yes: true },
        async (context) => {
          await context.confirm('Delete?');
          return 0;
        },
      ),
    ).toBe(0);
    const stdin = terminalInput();
    let signalAborted = false;
    const code = await runCli(
      { json: false, stderr: capture(), stdout: capture(), process: proc, env: {}, stdin },
      async (context) => {
        const pending = context.confirm('Delete?');
        stdin.write('\u0003');
        try {
          await pending;
        } finally {
          signalAborted = context.signal.aborted;
        }
        return 0;
      },
    );
    expect(code).toBe(130);
    expect(signalAborted).toBe(true);
  });
});
