import { type Clock, type EventSink, formatEventJson, type LabEvent, systemClock } from '@lab/core';
import type { Palette } from './color.js';
import { singleLine, terminalWidth, truncate, visibleWidth } from './width.js';

export type RenderMode = 'live' | 'plain' | 'json';

/** What a renderer writes to: a stream or anything with the same shape (tests). */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Optional fields of `LabEvent.data` the renderer understands: libraries set them so the live
 * view can show what is being waited on and how far it got.
 */
export interface ProgressData {
  /** e.g. `{ done: 7, total: 9, label: 'SSM online' }`. */
  progress?: { done: number; total: number; label?: string };
}

/**
 * Turns one family of events into the live line's progress text: how a CLI shows what it knows
 * of its libraries' work (an OMB run's elapsed time and rate, cleanup rounds, the hosts a health
 * stage still waits for). The first view with something to say is shown; without one, the live
 * line shows `data.progress` and the latest message.
 */
export interface StatusView {
  /** Sees every event, debug ones included, with the renderer's clock. */
  observe(event: LabEvent, now: number): void;
  /** The progress text now (one line; it is cut to the terminal), or undefined. */
  describe(now: number): string | undefined;
  /** A new phase started: forget what belonged to the last one. */
  reset?(): void;
}

export interface RendererOptions {
  mode: RenderMode;
  /** Progress and human lines (stderr by default). */
  stream: OutputStream;
  /** NDJSON in json mode (stdout by default). */
  jsonStream?: OutputStream;
  /**
   * The program's standard output. When it is the same terminal as the live view, the live view
   * steps aside for each write to it (results, tables) instead of having them appended to the
   * status line: its `write` is wrapped while the live view runs, and restored by `close`.
   */
  stdout?: OutputStream;
  palette: Palette;
  clock?: Clock;
  /** Show debug events. Default false. */
  verbose?: boolean;
  /** Live view refresh interval. Default 250 ms. */
  refreshMs?: number;
  /** What the live line shows of long work, see `StatusView`. */
  views?: readonly StatusView[];
}

export interface Renderer {
  /** Feed library events here. */
  sink: EventSink;
  /** Starts a named phase: shown in the live view, printed as a line otherwise. */
  phase(name: string): void;
  /** A permanent line for the person at the terminal (suppressed in json mode). */
  line(text: string): void;
  /** The final result of the command: NDJSON `result` line in json mode. */
  result(data: unknown): void;
  /** Stops the live view and leaves the terminal clean. */
  close(): void;
  /**
   * The width to fit tables to on the human stream: the terminal's columns, or undefined when
   * it is not a terminal (piped output keeps full values).
   */
  width(): number | undefined;
  /**
   * Runs `body` (a question to the person) with the live view stepped aside: the status line is
   * cleared and stops ticking, lines and events that arrive meanwhile wait, and all of it
   * resumes when `body` settles.
   */
  suspend<T>(body: () => Promise<T>): Promise<T>;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SEPARATOR = ' · ';

/** Picks the mode: `--json` → json; a terminal → live; anything else → plain lines. */
export function chooseMode(options: {
  json: boolean;
  stream: { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}): RenderMode {
  if (options.json) return 'json';
  const env = options.env ?? process.env;
  return options.stream.isTTY === true && env.TERM !== 'dumb' && env.CI === undefined ? 'live' : 'plain';
}

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(seconds).padStart(2, '0')}s`;
  return `${seconds}s`;
}

export function createRenderer(options: RendererOptions): Renderer {
  const clock = options.clock ?? systemClock;
  const { palette, stream, mode } = options;
  const jsonStream = options.jsonStream ?? stream;
  const views = options.views ?? [];
  const started = clock.now();
  let phase: string | undefined;
  let phaseStarted = started;
  let waitingFor: string | undefined;
  let progress: ProgressData['progress'];
  let frame = 0;
  let statusShown = false;
  let timer: NodeJS.Timeout | undefined;
  let suspended = 0;
  let closed = false;
  const held: string[] = [];

  const stamp = () => new Date(clock.now()).toISOString();
  const levelColor = (event: LabEvent, text: string) =>
    event.level === 'error' ? palette.red(text) : event.level === 'warn' ? palette.yellow(text) : text;

  const describeProgress = (now: number): string | undefined => {
    for (const view of views) {
      const text = view.describe(now);
      if (text !== undefined) return singleLine(text);
    }
    const parts: string[] = [];
    if (progress !== undefined) {
      parts.push(
        `${progress.label === undefined ? '' : `${progress.label} `}${progress.done}/${progress.total}`,
      );
    }
    if (waitingFor !== undefined) parts.push(palette.dim(singleLine(waitingFor)));
    return parts.length === 0 ? undefined : parts.join(' · ');
  };

  /** Spinner, phase, progress and elapsed time, cut to one line of the terminal. */
  const statusLine = (): string => {
    const now = clock.now();
    const head = `${palette.cyan(SPINNER[frame % SPINNER.length]!)}${phase === undefined ? '' : ` ${palette.bold(singleLine(phase))}`}`;
    const phaseElapsed = formatElapsed(now - phaseStarted);
    const totalElapsed = formatElapsed(now - started);
    const elapsed = palette.dim(
      phaseElapsed === totalElapsed ? phaseElapsed : `${phaseElapsed} (total ${totalElapsed})`,
    );
    // Three columns stay free: a terminal may wrap a line that fills the last one, and Ctrl-C
    // echoes `^C` after the cursor — it must land on this line, which the next draw clears.
    const columns = (stream.columns ?? 80) - 3;
    const middle = describeProgress(now);
    const room = columns - visibleWidth(head) - visibleWidth(elapsed) - 2 * SEPARATOR.length;
    const text =
      middle === undefined || room < 8
        ? `${head}${SEPARATOR}${elapsed}`
        : `${head}${SEPARATOR}${truncate(middle, room)}${SEPARATOR}${elapsed}`;
    return truncate(text, columns);
  };
  const clearStatus = () => {
    if (statusShown) stream.write('\r\u001b[2K');
    statusShown = false;
  };
  const drawStatus = () => {
    if (closed || suspended > 0) return;
    clearStatus();
    stream.write(statusLine());
    statusShown = true;
  };
  const permanent = (text: string) => {
    if (suspended > 0) {
      held.push(text);
      return;
    }
    clearStatus();
    stream.write(`${text}\n`);
    if (mode === 'live') drawStatus();
  };
  const startTicking = () => {
    if (mode !== 'live' || closed || timer !== undefined) return;
    timer = setInterval(() => {
      frame += 1;
      drawStatus();
    }, options.refreshMs ?? 250);
    timer.unref();
  };
  const stopTicking = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const release = () => {
    for (const text of held.splice(0)) stream.write(`${text}\n`);
  };

  const unhookStdout =
    mode === 'live' && options.stdout?.isTTY === true ? hookWrites(options.stdout) : () => {};

  /** Wraps `target.write` so that each write clears the status line first and redraws it after a full line. */
  function hookWrites(target: OutputStream): () => void {
    const own = Object.hasOwn(target, 'write');
    const original = target.write;
    target.write = (chunk: string, ...rest: unknown[]) => {
      clearStatus();
      const written = (original as (chunk: string, ...rest: unknown[]) => unknown).call(
        target,
        chunk,
        ...rest,
      );
      if (String(chunk).endsWith('\n')) drawStatus();
      return written;
    };
    return () => {
      if (own) target.write = original;
      else delete (target as { write?: unknown }).write;
    };
  }

  startTicking();

  return {
    sink(event) {
      if (mode === 'json') {
        jsonStream.write(`${formatEventJson(event)}\n`);
        return;
      }
      const now = clock.now();
      for (const view of views) view.observe(event, now);
      const data = event.data as ProgressData | undefined;
      if (data?.progress !== undefined) progress = data.progress;
      if (event.level === 'debug' && options.verbose !== true) {
        if (mode === 'live') {
          waitingFor = event.message;
          drawStatus();
        }
        return;
      }
      waitingFor = event.message;
      if (mode === 'live') {
        permanent(
          levelColor(event, `${palette.dim(formatElapsed(now - started).padStart(6))} ${event.message}`),
        );
      } else {
        const level = event.level === 'info' ? '' : ` ${event.level.toUpperCase()}`;
        permanent(levelColor(event, `${event.time}${level} ${event.message}`));
      }
    },
    phase(name) {
      phase = name;
      phaseStarted = clock.now();
      progress = undefined;
      waitingFor = undefined;
      for (const view of views) view.reset?.();
      if (mode === 'json') {
        jsonStream.write(`${JSON.stringify({ type: 'phase', time: stamp(), phase: name })}\n`);
      } else if (mode === 'live') {
        permanent(palette.bold(`▶ ${name}`));
      } else {
        permanent(`${stamp()} == ${name}`);
      }
    },
    line(text) {
      if (mode !== 'json') permanent(text);
    },
    result(data) {
      if (mode === 'json') jsonStream.write(`${JSON.stringify({ type: 'result', time: stamp(), data })}\n`);
    },
    close() {
      closed = true;
      stopTicking();
      clearStatus();
      release();
      unhookStdout();
    },
    width() {
      return mode === 'json' ? undefined : terminalWidth(stream);
    },
    async suspend(body) {
      suspended += 1;
      stopTicking();
      clearStatus();
      try {
        return await body();
      } finally {
        suspended -= 1;
        if (suspended === 0) {
          release();
          startTicking();
          if (mode === 'live') drawStatus();
        }
      }
    },
  };
}
