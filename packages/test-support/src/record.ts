// Records what a person sees of a command on the pty harness: at chosen moments and at the end,
// the screen is saved as an SVG picture and as text (docs/terminal/ of the repository).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PtyOptions, spawnPty } from './pty.js';
import { screenSvg, screenText } from './screenshot.js';

export interface RecordingStep {
  /** Waits until this is on screen. */
  waitFor: string | RegExp;
  /** Then waits this long (ms), e.g. to show that a question stays on screen. */
  pause?: number;
  /** Then saves the screen as `<frame>.svg` and `<frame>.txt`. */
  frame?: string;
  /** Then types these keys. */
  keys?: string;
}

export interface RecordingOptions extends PtyOptions {
  /** The directory of the pictures. */
  out: string;
  /** The window title of the pictures (the command line a person typed). */
  title: string;
  steps: readonly RecordingStep[];
  /** The frame saved when the command has exited. */
  final: string;
  /** Longest wait for a step or for the exit (ms). Default 120 s. */
  timeoutMs?: number;
}

/** Runs the command on a pseudo-terminal through `steps`, saving frames; resolves with the exit code and the files written. */
export async function recordTerminal(options: RecordingOptions): Promise<{ code: number; files: string[] }> {
  const pty = spawnPty(options);
  const files: string[] = [];
  await mkdir(options.out, { recursive: true });
  const save = async (frame: string) => {
    const rows = await pty.styledScreen();
    const svg = join(options.out, `${frame}.svg`);
    const text = join(options.out, `${frame}.txt`);
    await writeFile(svg, screenSvg(rows, { columns: pty.columns, title: options.title }));
    await writeFile(text, screenText(rows));
    files.push(svg, text);
  };
  try {
    for (const step of options.steps) {
      await pty.waitFor(step.waitFor, options.timeoutMs ?? 120_000);
      if (step.pause !== undefined) await new Promise((resolve) => setTimeout(resolve, step.pause));
      if (step.frame !== undefined) await save(step.frame);
      if (step.keys !== undefined) pty.write(step.keys);
    }
    const code = await pty.exit(options.timeoutMs ?? 120_000);
    await save(options.final);
    return { code, files };
  } finally {
    pty.kill();
  }
}
