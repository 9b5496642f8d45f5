import { setMaxListeners } from 'node:events';
import { AbortedError, type Clock } from '@lab/core';
import { colorEnabled, createPalette, type Palette } from './color.js';
import { confirm, type QuestionInput } from './confirm.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { errorToJson, formatError } from './format-error.js';
import { chooseMode, createRenderer, type OutputStream, type Renderer, type StatusView } from './renderer.js';

export interface CliContext {
  /** Aborts on the first Ctrl-C (or SIGTERM): stop, clean up, then return. */
  signal: AbortSignal;
  renderer: Renderer;
  palette: Palette;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Sets what a second Ctrl-C prints before exiting at once (e.g. the cleanup command). */
  setForceExitMessage(message: string | undefined): void;
  /**
   * Asks `question` (`[y/N]` is added) with the live view stepped aside; resolves when the
   * person confirms or `--yes` was given. Declining throws CONFIRMATION_DECLINED (exit 4), no
   * terminal to ask on CONFIRMATION_REQUIRED (exit 4), Ctrl-C an `AbortedError` (exit 130) and
   * aborts `signal`. See `confirm`.
   */
  confirm(question: string): Promise<void>;
}

export interface RunCliOptions {
  json: boolean;
  verbose?: boolean;
  /** `--yes`: `confirm` does not ask. */
  yes?: boolean;
  /** Where questions are answered (default stdin). */
  stdin?: QuestionInput;
  /** What the live line shows of long work (see `StatusView`). */
  views?: readonly StatusView[];
  /** The clock of elapsed times and timestamps (the command's own, when it has one). */
  clock?: Clock;
  stdout?: OutputStream;
  stderr?: OutputStream;
  env?: NodeJS.ProcessEnv;
  /** For tests: where signals come from and how the process exits. */
  process?: SignalSource;
}

/** The part of `process` runCli uses. */
export interface SignalSource {
  on(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/**
 * Runs a CLI command body with the lab's conventions: a renderer chosen from `--json` and the
 * terminal, Ctrl-C once = abort (the body cleans up), twice = exit at once with a message,
 * errors rendered with their hint (or as JSON), and the documented exit codes. Resolves with
 * the exit code; the caller sets `process.exitCode`.
 */
export async function runCli(
  options: RunCliOptions,
  body: (context: CliContext) => Promise<number | undefined>,
): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const proc: SignalSource = options.process ?? process;
  const palette = createPalette(!options.json && colorEnabled({ env, stream: stderr }));
  const mode = chooseMode({ json: options.json, stream: stderr, env });
  const renderer = createRenderer({
    mode,
    stream: stderr,
    jsonStream: stdout,
    stdout,
    palette,
    ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
    ...(options.views === undefined ? {} : { views: options.views }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const controller = new AbortController();
  // One signal is handed to every concurrent AWS call of the command (tag-cleanup lists some
  // twenty resource types at once), each of which listens to it while it runs.
  setMaxListeners(256, controller.signal);
  let forceExitMessage: string | undefined;
  let interrupts = 0;
  let asking = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts === 1) {
      // At a question nothing has started yet: the question says it was cancelled.
      if (!asking) {
        renderer.line(
          palette.yellow(`${signal}: stopping and cleaning up… (press Ctrl-C again to exit at once)`),
        );
      }
      controller.abort(new AbortedError(`Interrupted by ${signal}`));
      return;
    }
    renderer.close();
    stderr.write(
      `${palette.red('Exiting at once.')}${forceExitMessage === undefined ? '' : ` ${forceExitMessage}`}\n`,
    );
    proc.exit(EXIT_CODES.interrupted);
  };
  proc.on('SIGINT', onSignal);
  proc.on('SIGTERM', onSignal);
  const restoreWarnings =
    options.process === undefined ? routeWarnings(renderer, palette, stderr, options.json) : () => {};
  try {
    const code = await body({
      signal: controller.signal,
      renderer,
      palette,
      stdout,
      stderr,
      setForceExitMessage: (message) => {
        forceExitMessage = message;
      },
      confirm: async (question) => {
        asking = true;
        try {
          await confirm({
            question,
            yes: options.yes === true,
            renderer,
            output: stderr,
            signal: controller.signal,
            ...(options.stdin === undefined ? {} : { input: options.stdin }),
          });
        } catch (error) {
          if (error instanceof AbortedError && !controller.signal.aborted) controller.abort(error);
          throw error;
        } finally {
          asking = false;
        }
      },
    });
    return code ?? EXIT_CODES.ok;
  } catch (error) {
    renderer.close();
    if (options.json) {
      stdout.write(`${JSON.stringify({ type: 'error', error: errorToJson(error) })}\n`);
    } else {
      stderr.write(`${formatError(error, palette)}\n`);
    }
    return exitCodeFor(error);
  } finally {
    renderer.close();
    restoreWarnings();
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
  }
}

/** The warning listeners `routeWarnings` added: never restored as someone else's. */
const routers = new WeakSet<(...args: never[]) => unknown>();

/**
 * Prints the process's warnings (a deprecation, the AWS SDK's Node version notice) through the
 * renderer, above the live line, instead of Node's default printer writing into it. Returns the
 * function that puts Node's printer back.
 */
function routeWarnings(
  renderer: Renderer,
  palette: Palette,
  stderr: OutputStream,
  json: boolean,
): () => void {
  const previous = process.listeners('warning').filter((listener) => !routers.has(listener));
  const onWarning = (warning: Error) => {
    const text = `warning: ${warning.name === 'Warning' ? '' : `${warning.name}: `}${warning.message}`;
    if (json) stderr.write(`${text}\n`);
    else renderer.line(palette.yellow(text));
  };
  routers.add(onWarning);
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const listener of previous) process.on('warning', listener);
  };
}
