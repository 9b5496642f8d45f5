// cli-kit's live view, questions and tables on a real pseudo-terminal, read from the screen a
// person sees (see @lab/test-support's pty harness). The program is test/pty/demo-cli.ts.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  controlCharacters,
  describeWithPty,
  KEYS,
  runPiped,
  spawnPty,
  terminalEnv,
  wrappedRows,
} from '@lab/test-support';
import { expect, it } from 'vitest';

const TSX = createRequire(import.meta.url).resolve('tsx');
const DEMO = fileURLToPath(new URL('./pty/demo-cli.ts', import.meta.url));
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes
const SGR = /\u001b\[[0-9;]*m/;
const QUESTION = 'Delete these 4 resource(s)? [y/N]';

const demo = (args: string[] = [], options: { columns?: number; env?: NodeJS.ProcessEnv } = {}) =>
  spawnPty({
    command: process.execPath,
    args: ['--import', TSX, DEMO, ...args],
    env: terminalEnv(options.env),
    columns: options.columns ?? 100,
    rows: 24,
  });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lastRow = (screen: string[]) => screen.filter((row) => row.trim() !== '').at(-1) ?? '';

describeWithPty('cli-kit on a pseudo-terminal', () => {
  it('keeps the question on screen while it waits, echoes the answer, then the live view resumes', async () => {
    const pty = demo();
    await pty.waitFor(QUESTION);
    // Several ticks of the live view later, the question is still what the screen shows.
    await pause(1200);
    const waiting = await pty.screen();
    expect(lastRow(waiting)).toBe(QUESTION);
    expect(waiting.join('\n')).not.toMatch(SPINNER);
    pty.write('y');
    await pty.waitFor(`${QUESTION} y`);
    pty.write(KEYS.enter);
    await pty.waitFor('Deleted 4 resource(s).');
    expect(await pty.exit()).toBe(0);
    const screen = await pty.screen();
    expect(screen).toContain(`${QUESTION} y`);
    expect(screen).toContain('▶ delete');
    expect(screen.join('\n')).not.toMatch(SPINNER);
  });

  it('"n" declines with exit code 4 and does nothing', async () => {
    const pty = demo();
    await pty.waitFor(QUESTION);
    pty.write(`n${KEYS.enter}`);
    expect(await pty.exit()).toBe(4);
    const screen = (await pty.screen()).join('\n');
    expect(screen).toContain(`${QUESTION} n`);
    expect(screen).toContain('Declined; nothing was changed.');
    expect(screen).not.toContain('▶ delete');
  });

  it('Ctrl-C at the question cancels with exit code 130 and leaves no half-drawn line', async () => {
    const pty = demo();
    await pty.waitFor(QUESTION);
    await pause(300);
    pty.write(KEYS.ctrlC);
    expect(await pty.exit()).toBe(130);
    const screen = await pty.screen();
    expect(screen).toContain(`${QUESTION} ^C`);
    expect(screen.join('\n')).toContain('Cancelled at the question; nothing was changed.');
    expect(screen.join('\n')).not.toContain('▶ delete');
    expect(screen.join('\n')).not.toMatch(SPINNER);
  });

  it('Ctrl-C during live progress stops with exit code 130 and clears the live line', async () => {
    const pty = demo(['--yes', '--slow']);
    await pty.waitFor(/deleted [3-9]\/600/);
    pty.write(KEYS.ctrlC);
    expect(await pty.exit()).toBe(130);
    const screen = await pty.screen();
    expect(screen.join('\n')).toContain('SIGINT: stopping and cleaning up');
    expect(screen.join('\n')).not.toMatch(SPINNER);
    expect(lastRow(screen)).toMatch(/^error: /);
  });

  it.each([80, 200])(
    'at %i columns no row wraps; long cells end in … only when they must',
    async (columns) => {
      const pty = demo(['--yes'], { columns });
      expect(await pty.exit()).toBe(0);
      const lines = await pty.lines();
      expect(wrappedRows(lines)).toEqual([]);
      const rows = lines.map((line) => line.text).filter((text) => text.startsWith('subnet '));
      expect(rows).toHaveLength(3);
      if (columns === 80) {
        for (const row of rows)
          expect(row).toMatch(/^subnet\s+subnet-0\d23456789abcdef0\s+us-east-1\s+\S.*…/);
      } else {
        for (const row of rows) expect(row).toContain('i-0123456789abcdef2 +4 more');
      }
    },
  );

  it('NO_COLOR: no colour codes reach the terminal (and without it, they do)', async () => {
    const plain = demo(['--yes'], { env: { NO_COLOR: '1' } });
    expect(await plain.exit()).toBe(0);
    expect(plain.output()).not.toMatch(SGR);
    expect(plain.output()).toContain('Deleted 4 resource(s).');
    const coloured = demo(['--yes']);
    expect(await coloured.exit()).toBe(0);
    expect(coloured.output()).toMatch(SGR);
  });

  it('piped output carries no control characters and keeps full values', async () => {
    const piped = await runPiped({
      command: process.execPath,
      args: ['--import', TSX, DEMO, '--yes'],
      env: terminalEnv(),
    });
    expect(piped.code).toBe(0);
    expect(controlCharacters(piped.stdout + piped.stderr)).toEqual([]);
    expect(piped.stderr).toContain('a name tag long enough to need cutting on a narrow terminal');
    const json = await runPiped({
      command: process.execPath,
      args: ['--import', TSX, DEMO, '--yes', '--json'],
      env: terminalEnv(),
    });
    expect(controlCharacters(json.stdout + json.stderr)).toEqual([]);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).type),
    ).toContain('result');
  });

  it('without a terminal to ask on and without --yes it refuses (exit 4)', async () => {
    const piped = await runPiped({
      command: process.execPath,
      args: ['--import', TSX, DEMO],
      env: terminalEnv(),
    });
    expect(piped.code).toBe(4);
    expect(piped.stderr).toContain('pass --yes');
  });
});
