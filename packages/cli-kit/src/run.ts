import { AbortedError } from '@lab/core';
import { colorEnabled, createPalette, type Palette } from './color.js';
import { EXIT_CODES, exitCodeFor } from './exit-codes.js';
import { errorToJson, formatError } from './format-error.js';
import { chooseMode, createRenderer, type OutputStream, type Renderer } from './renderer.js';

export interface CliContext {
  /** Aborts on the first Ctrl-C (or SIGTERM): stop, clean up, then return. */
  signal: AbortSignal;
  renderer: Renderer;
  palette: Palette;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Sets what a second Ctrl-C prints before exiting at once (e.g. the cleanup command). */
  setForceExitMessage(message: string | undefined): void;
}

export interface RunCliOptions {
  json: boolean;
  verbose?: boolean;
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
    palette,
    ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
  });
  const controller = new AbortController();
  let forceExitMessage: string | undefined;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts === 1) {
      renderer.line(
        palette.yellow(`${signal}: stopping and cleaning up… (press Ctrl-C again to exit at once)`),
      );
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
    proc.off('SIGINT', onSignal);
    proc.off('SIGTERM', onSignal);
  }
}
