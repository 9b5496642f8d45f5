import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const childScript = join(packageDir, 'test', 'support', 'child.ts');

export type Message = Record<string, unknown>;

/** A child process running test/support/child.ts, with its stdout parsed line by line. */
export interface Child {
  process: ChildProcess;
  pid: number;
  messages: Message[];
  /** Resolves with the first message (already received or future) that satisfies `match`. */
  waitFor(match: (message: Message) => boolean, timeoutMs?: number): Promise<Message>;
  /** Resolves with the exit code (or signal) once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

export function startChild(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, ...args], {
    cwd: packageDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  const messages: Message[] = [];
  const waiters: { match: (message: Message) => boolean; resolve: (message: Message) => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => {
    buffer += text;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      const message = JSON.parse(line) as Message;
      messages.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.match(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    pid: child.pid!,
    messages,
    stderr: () => stderr,
    exited,
    waitFor(match, timeoutMs = 20_000) {
      const seen = messages.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child ${child.pid} sent no matching message; stderr: ${stderr}`)),
          timeoutMs,
        );
        const waiter = {
          match,
          resolve: (message: Message) => {
            clearTimeout(timer);
            resolve(message);
          },
        };
        waiters.push(waiter);
        void exited.then(() => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`child ${child.pid} exited without a matching message; stderr: ${stderr}`));
          }
        });
      });
    },
  };
}

/** Runs a child to completion and returns its last message and exit code. */
export async function runChild(args: string[]): Promise<{ code: number | null; last: Message | undefined }> {
  const child = startChild(args);
  const { code } = await child.exited;
  return { code, last: child.messages.at(-1) };
}

/** Kills `child` with SIGKILL and waits until it is gone. */
export async function kill(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

/** A fresh store home, removed after the test. */
export async function tempHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'experiment-store-'));
  homes.push(dir);
  return join(dir, 'home');
}

const homes: string[] = [];
afterEach(async () => {
  for (const dir of homes.splice(0)) await rm(dir, { recursive: true, force: true });
});
