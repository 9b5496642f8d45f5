import { type Clock, type EventSink, formatEventJson, type LabEvent, systemClock } from '@lab/core';
import type { Palette } from './color.js';

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

export interface RendererOptions {
  mode: RenderMode;
  /** Progress and human lines (stderr by default). */
  stream: OutputStream;
  /** NDJSON in json mode (stdout by default). */
  jsonStream?: OutputStream;
  palette: Palette;
  clock?: Clock;
  /** Show debug events. Default false. */
  verbose?: boolean;
  /** Live view refresh interval. Default 250 ms. */
  refreshMs?: number;
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
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

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
  const started = clock.now();
  let phase: string | undefined;
  let phaseStarted = started;
  let waitingFor: string | undefined;
  let progress: ProgressData['progress'];
  let frame = 0;
  let statusShown = false;
  let timer: NodeJS.Timeout | undefined;

  const stamp = () => new Date(clock.now()).toISOString();
  const levelColor = (event: LabEvent, text: string) =>
    event.level === 'error' ? palette.red(text) : event.level === 'warn' ? palette.yellow(text) : text;

  const statusLine = (): string => {
    const parts = [palette.cyan(SPINNER[frame % SPINNER.length]!)];
    if (phase !== undefined) parts.push(palette.bold(phase));
    if (progress !== undefined) {
      parts.push(
        `${progress.label === undefined ? '' : `${progress.label} `}${progress.done}/${progress.total}`,
      );
    }
    if (waitingFor !== undefined) parts.push(palette.dim(waitingFor));
    parts.push(
      palette.dim(
        `${formatElapsed(clock.now() - phaseStarted)} (total ${formatElapsed(clock.now() - started)})`,
      ),
    );
    const text = parts.join(' · ');
    const columns = stream.columns ?? 100;
    return [...text].length > columns + 40 ? `${[...text].slice(0, columns + 38).join('')}…` : text;
  };
  const clearStatus = () => {
    if (statusShown) stream.write('\r\u001b[2K');
    statusShown = false;
  };
  const drawStatus = () => {
    clearStatus();
    stream.write(statusLine());
    statusShown = true;
  };
  const permanent = (text: string) => {
    if (mode === 'live') {
      clearStatus();
      stream.write(`${text}\n`);
      drawStatus();
    } else {
      stream.write(`${text}\n`);
    }
  };

  if (mode === 'live') {
    timer = setInterval(() => {
      frame += 1;
      drawStatus();
    }, options.refreshMs ?? 250);
    timer.unref();
  }

  return {
    sink(event) {
      if (mode === 'json') {
        jsonStream.write(`${formatEventJson(event)}\n`);
        return;
      }
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
          levelColor(
            event,
            `${palette.dim(formatElapsed(clock.now() - started).padStart(6))} ${event.message}`,
          ),
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
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      clearStatus();
    },
  };
}
