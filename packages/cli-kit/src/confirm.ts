import { emitKeypressEvents } from 'node:readline';
import { AbortedError, LabError } from '@lab/core';
import type { OutputStream, Renderer } from './renderer.js';

/** What a question is read from: a terminal (stdin), or a stream that says it is one (tests). */
export type QuestionInput = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
  isRaw?: boolean;
};

export interface ConfirmOptions {
  question: string;
  /** `--yes`: confirmed without asking. */
  yes: boolean;
  /** The live view, which steps aside while the question is on screen. */
  renderer: Renderer;
  input?: QuestionInput;
  /** Where the question and the typed answer go. Default stderr, where the live view is. */
  output?: OutputStream;
  /** Aborting it (Ctrl-C delivered as a signal, SIGTERM) cancels the question. */
  signal?: AbortSignal;
}

/**
 * Asks a yes/no question before a destructive or costly step. `--yes` skips it. The live view
 * steps aside while the question is asked: the status line is cleared and stops, the question
 * stands on its own line, the answer is echoed as it is typed, and the view resumes afterwards.
 * Only `y`/`yes` confirms; anything else is CONFIRMATION_DECLINED, end of input too. Without a
 * terminal to ask on it refuses (CONFIRMATION_REQUIRED) rather than guessing. Ctrl-C cancels
 * (`AbortedError`, exit code 130) and leaves the cursor on a fresh line.
 */
export async function confirm(options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  const input = options.input ?? (process.stdin as QuestionInput);
  const output = options.output ?? process.stderr;
  if (input.isTTY !== true) {
    throw new LabError('CONFIRMATION_REQUIRED', `Not confirmed: ${options.question}`, {
      hint: 'There is no terminal to ask on; pass --yes to confirm.',
    });
  }
  options.signal?.throwIfAborted();
  const answer = await options.renderer.suspend(async () => {
    output.write(`${options.question} [y/N] `);
    return readAnswer(input, output, options.signal);
  });
  if (answer.kind === 'interrupted') {
    throw new AbortedError('Cancelled at the question; nothing was changed.');
  }
  const text = answer.kind === 'answer' ? answer.text.trim().toLowerCase() : '';
  if (text !== 'y' && text !== 'yes') {
    throw new LabError('CONFIRMATION_DECLINED', 'Declined; nothing was changed.');
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: keys that are not text (arrows, escape, …)
const CONTROL = /[\u0000-\u001f\u007f]/;

type Answer = { kind: 'answer'; text: string } | { kind: 'end' } | { kind: 'interrupted' };

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
}

/**
 * One line from the terminal. In raw mode (a real terminal) the keys are echoed here and Ctrl-C
 * arrives as a key; otherwise the terminal echoes, and Ctrl-C arrives as SIGINT, which the caller
 * turns into `signal`.
 */
function readAnswer(input: QuestionInput, output: OutputStream, signal?: AbortSignal): Promise<Answer> {
  emitKeypressEvents(input);
  const raw = typeof input.setRawMode === 'function' && input.isRaw !== true;
  if (raw) input.setRawMode?.(true);
  input.resume();
  let typed = '';
  return new Promise<Answer>((resolve) => {
    const finish = (answer: Answer, echo: string) => {
      input.off('keypress', onKey);
      input.off('end', onEnd);
      signal?.removeEventListener('abort', onAbort);
      if (raw) input.setRawMode?.(false);
      input.pause();
      if (echo !== '') output.write(echo);
      resolve(answer);
    };
    const onKey = (text: string | undefined, key: Key | undefined) => {
      if (key?.ctrl === true && key.name === 'c') return finish({ kind: 'interrupted' }, raw ? '^C\n' : '\n');
      if (key?.ctrl === true && key.name === 'd' && typed === '') return finish({ kind: 'end' }, '\n');
      if (key?.name === 'return' || key?.name === 'enter') {
        return finish({ kind: 'answer', text: typed }, raw ? '\n' : '');
      }
      if (key?.name === 'backspace') {
        if (typed.length > 0 && raw) output.write('\b \b');
        typed = typed.slice(0, -1);
        return;
      }
      if (text === undefined || key?.ctrl === true || key?.meta === true || CONTROL.test(text)) return;
      typed += text;
      if (raw) output.write(text);
    };
    const onEnd = () => finish({ kind: 'end' }, '\n');
    const onAbort = () => finish({ kind: 'interrupted' }, '\n');
    input.on('keypress', onKey);
    input.on('end', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
