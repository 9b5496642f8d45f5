// Runs a command-line program on a real pseudo-terminal and reads the screen a person would see.
// The terminal is the kernel's (Python's standard `pty` module, see pty-driver.py: no native
// Node module to build); the screen is xterm.js's headless emulator interpreting every byte the
// program wrote, so assertions are about rows on a screen, not about escape codes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import { afterEach } from 'vitest';
import { describeWhen } from './gate.js';
import { type CellLike, type StyledRow, styledRow } from './screenshot.js';

const DRIVER = fileURLToPath(new URL('./pty-driver.py', import.meta.url));
const PYTHON = process.env.PYTHON ?? 'python3';

/** Keys as a terminal sends them. */
export const KEYS = {
  enter: '\r',
  ctrlC: '\u0003',
  ctrlD: '\u0004',
  backspace: '\u007f',
} as const;

export interface PtyOptions {
  command: string;
  args?: readonly string[];
  cwd?: string;
  /** The whole environment of the program (see `terminalEnv`): nothing is inherited. */
  env: NodeJS.ProcessEnv;
  /** Window size. Default 100 × 30. */
  columns?: number;
  rows?: number;
}

/** One row of the terminal's buffer. */
export interface ScreenLine {
  text: string;
  /** The terminal wrapped the row above onto this one: it did not fit. */
  wrapped: boolean;
}

export interface PtySession {
  readonly columns: number;
  readonly rows: number;
  /** Types `keys` (see `KEYS`). */
  write(keys: string): void;
  /** The visible rows, right-trimmed, once everything received so far is on screen. */
  screen(): Promise<string[]>;
  /** Every row from the top of the scrollback to the bottom of the screen. */
  lines(): Promise<ScreenLine[]>;
  /** The visible rows with their colours, for `screenSvg` / `screenText`. */
  styledScreen(): Promise<StyledRow[]>;
  /** Every byte the program wrote to the terminal, as text. */
  output(): string;
  /** Resolves with the screen once `pattern` is on it; rejects with the screen after `timeoutMs` (default 20 s). */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string[]>;
  /** Resolves with the exit code (128 + signal when a signal ended it) once the output is on screen. */
  exit(timeoutMs?: number): Promise<number>;
  /** Kills the program (its whole process group). */
  kill(): void;
}

const running = new Set<ChildProcess>();

/** Starts `command` on a new pseudo-terminal of the given size. */
export function spawnPty(options: PtyOptions): PtySession {
  const columns = options.columns ?? 100;
  const rows = options.rows ?? 30;
  const terminal = new xterm.Terminal({ cols: columns, rows, scrollback: 5000, allowProposedApi: true });
  const driver = spawn(
    PYTHON,
    [DRIVER, String(columns), String(rows), options.command, ...(options.args ?? [])],
    { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  running.add(driver);
  const received: Buffer[] = [];
  let driverErrors = '';
  let parsed = Promise.resolve();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  driver.stdout.on('data', (chunk: Buffer) => {
    received.push(chunk);
    parsed = parsed.then(() => new Promise<void>((resolve) => terminal.write(chunk, resolve)));
    void parsed.then(notify);
  });
  driver.stderr.on('data', (chunk: Buffer) => {
    driverErrors += chunk.toString('utf8');
  });
  const exited = new Promise<number>((resolve) => {
    driver.on('close', (code, signal) => {
      running.delete(driver);
      resolve(code ?? 128 + (signal === null ? 0 : 15));
      notify();
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });

  const visible = async (): Promise<string[]> => {
    await parsed;
    const buffer = terminal.buffer.active;
    return Array.from({ length: rows }, (_, row) =>
      (buffer.getLine(buffer.baseY + row)?.translateToString(true) ?? '').trimEnd(),
    );
  };
  const describe = async () =>
    `screen (${columns}×${rows}):\n${(await visible()).map((row) => `|${row}`).join('\n')}${driverErrors === '' ? '' : `\npty-driver: ${driverErrors}`}`;
  const matches = (screen: string[], pattern: string | RegExp) => {
    const text = screen.join('\n');
    return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
  };
  const waitUntil = async <T>(
    check: () => Promise<T | undefined>,
    timeoutMs: number,
    what: string,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await check();
      if (result !== undefined) return result;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${await describe()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 250));
        waiters.add(wake);
      });
    }
  };

  return {
    columns,
    rows,
    write(keys) {
      driver.stdin.write(keys);
    },
    screen: visible,
    async lines() {
      await parsed;
      const buffer = terminal.buffer.active;
      return Array.from({ length: buffer.length }, (_, index) => {
        const line = buffer.getLine(index);
        return { text: (line?.translateToString(true) ?? '').trimEnd(), wrapped: line?.isWrapped ?? false };
      });
    },
    async styledScreen() {
      await parsed;
      const buffer = terminal.buffer.active;
      return Array.from({ length: rows }, (_, row) => {
        const line = buffer.getLine(buffer.baseY + row);
        const cells: CellLike[] = [];
        for (let x = 0; line !== undefined && x < line.length; x += 1) {
          const cell = line.getCell(x);
          if (cell !== undefined) cells.push(cell);
        }
        return styledRow(cells);
      });
    },
    output() {
      return Buffer.concat(received).toString('utf8');
    },
    waitFor(pattern, timeoutMs = 20_000) {
      return waitUntil(
        async () => {
          const screen = await visible();
          if (matches(screen, pattern)) return screen;
          if (done)
            throw new Error(
              `The program exited before ${String(pattern)} was on screen\n${await describe()}`,
            );
          return undefined;
        },
        timeoutMs,
        String(pattern),
      );
    },
    async exit(timeoutMs = 30_000) {
      const code = await waitUntil(async () => (done ? exited : undefined), timeoutMs, 'the program to exit');
      await parsed;
      return code;
    },
    kill() {
      if (driver.exitCode === null) driver.kill('SIGTERM');
    },
  };
}

/** Kills every program still running on a pseudo-terminal (`describeWithPty` does it after each test). */
export function killPtys(): void {
  for (const driver of running) driver.kill('SIGTERM');
}

/**
 * An environment for a program under test, as a person's terminal has it: PATH, HOME, a UTF-8
 * locale and TERM, plus `extra`. Nothing else is inherited — in particular not CI (which turns
 * the live view off), NO_COLOR or FORCE_COLOR.
 */
export function terminalEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    ...extra,
  };
  // A variable set to undefined in `extra` is left out, not passed on as "undefined".
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}

export interface PipedResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` with stdin, stdout and stderr on pipes (no terminal), as in `lab-cleanup … | tee log`. */
export function runPiped(
  options: Omit<PtyOptions, 'columns' | 'rows'> & { input?: string },
): Promise<PipedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, [...(options.args ?? [])], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code: code ?? 128 + (signal === null ? 0 : 15), stdout, stderr }),
    );
    child.stdin.end(options.input ?? '');
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach piped output
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** The control characters in `text` other than line feed and tab, as `\u001b`-style names. */
export function controlCharacters(text: string): string[] {
  return [...new Set(text.match(CONTROL) ?? [])].map(
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Logical lines longer than the terminal: the rows the terminal had to wrap, joined. */
export function wrappedRows(lines: readonly ScreenLine[]): string[] {
  const logical: Array<{ text: string; rows: number }> = [];
  for (const line of lines) {
    const current = logical.at(-1);
    if (line.wrapped && current !== undefined) {
      current.text += line.text;
      current.rows += 1;
    } else {
      logical.push({ text: line.text, rows: 1 });
    }
  }
  return logical.filter((line) => line.rows > 1).map((line) => line.text);
}

function ptyWorks(): boolean {
  if (process.platform !== 'linux' && process.platform !== 'darwin') return false;
  const probe = spawnSync(PYTHON, ['-c', 'import pty, termios, fcntl, select'], { stdio: 'ignore' });
  return probe.status === 0;
}

/**
 * `describe` for tests on a pseudo-terminal: they need python3 (its standard `pty` module) on
 * Linux or macOS. Skipped loudly without it locally, failing under CI. Programs left running
 * by a test are killed after it.
 */
export function describeWithPty(name: string, body: () => void): void {
  describeWhen(ptyWorks(), `python3 with the pty module (apt-get install -y python3)`, name, () => {
    afterEach(killPtys);
    body();
  });
}
