// lab-orchestrate as a person sees it: the command with AWS mocked and a simulated cluster
// (test/pty/mocked-lab.ts, through tsx) and the fixture terraform, on a pseudo-terminal; the
// screen is read by a terminal emulator (@lab/test-support's pty harness).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
import { beforeAll, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../../..');
const TSX = createRequire(import.meta.url).resolve('tsx');
const MOCKED_LAB = fileURLToPath(new URL('./pty/mocked-lab.ts', import.meta.url));
const TERRAFORM = [
  '--terraform-bin',
  join(REPO, 'packages/orchestrator/test/fixtures/terraform'),
  '--terraform-dir',
  join(REPO, 'terraform'),
];
const POC = ['--test-plan', 'configs/test-plans/poc.yaml'];
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes
const SGR = /\u001b\[[0-9;]*m/;
const COST_QUESTION = /Create the cluster for about US\$\d+\.\d\d\? \[y\/N\]/;

interface Lab {
  home: string;
  terraformLog: string;
}

async function newLab(): Promise<Lab> {
  const home = await mkdtemp(join(tmpdir(), 'lab-orchestrate-pty-'));
  return { home, terraformLog: join(home, 'terraform-calls.log') };
}
const commandLine = (args: readonly string[]) => ['--import', TSX, MOCKED_LAB, ...args, ...TERRAFORM];
const labEnv = (lab: Lab, extra: NodeJS.ProcessEnv = {}) =>
  terminalEnv({
    PULSAR_AWS_LAB_HOME: lab.home,
    TF_FIXTURE_LOG: lab.terraformLog,
    LAB_TIME_SCALE: '600',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  });
const labOrchestrate = (
  lab: Lab,
  args: readonly string[],
  options: { columns?: number; env?: NodeJS.ProcessEnv } = {},
) =>
  spawnPty({
    command: process.execPath,
    args: commandLine(args),
    cwd: REPO,
    env: labEnv(lab, options.env),
    columns: options.columns ?? 120,
    rows: 40,
  });
const terraformCalls = async (lab: Lab) =>
  (await readFile(lab.terraformLog, 'utf8').catch(() => ''))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ')[1]);
const experiments = async (lab: Lab) => (await readdir(lab.home)).filter((name) => name.startsWith('exp-'));
const lastRow = (screen: readonly string[]) => screen.filter((row) => row.trim() !== '').at(-1) ?? '';

describeWithPty('lab-orchestrate on a terminal', () => {
  it('setup: the cost question stays on screen; "n" declines (exit 4) before anything is created', async () => {
    const lab = await newLab();
    const pty = labOrchestrate(lab, ['setup', ...POC, '--cost-threshold', '0']);
    await pty.waitFor(COST_QUESTION);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const waiting = await pty.screen();
    expect(lastRow(waiting)).toMatch(new RegExp(`^${COST_QUESTION.source}$`));
    expect(waiting.join('\n')).toMatch(/Estimated \$\d+\.\d\d for/);
    expect(waiting.join('\n')).not.toMatch(SPINNER);
    pty.write(`n${KEYS.enter}`);
    expect(await pty.exit()).toBe(4);
    expect((await pty.screen()).join('\n')).toMatch(/\[y\/N\] n\nerror: Declined; nothing was changed\./);
    expect(await terraformCalls(lab)).toEqual([]);
    expect(await experiments(lab)).toEqual([]);
  });

  it('full: Ctrl-C at the cost question cancels (exit 130) with nothing created and no half-drawn line', async () => {
    const lab = await newLab();
    const pty = labOrchestrate(lab, ['full', ...POC, '--cost-threshold', '0']);
    await pty.waitFor(COST_QUESTION);
    pty.write(KEYS.ctrlC);
    expect(await pty.exit()).toBe(130);
    const screen = await pty.screen();
    expect(screen.join('\n')).toMatch(/\[y\/N\] \^C\n/);
    expect(lastRow(screen)).toBe('error: Cancelled at the question; nothing was changed.');
    expect(screen.join('\n')).not.toMatch(SPINNER);
    expect(await terraformCalls(lab)).toEqual([]);
    expect(await experiments(lab)).toEqual([]);
  });

  it('full: "y" runs the lifecycle; the live line showed the hosts awaited and each run’s time and rate', async () => {
    const lab = await newLab();
    const pty = labOrchestrate(lab, ['full', ...POC, '--cost-threshold', '0']);
    await pty.waitFor(COST_QUESTION);
    pty.write(`y${KEYS.enter}`);
    expect(await pty.exit()).toBe(0);
    const screen = (await pty.screen()).join('\n');
    expect(screen).toMatch(/exp-\d{8}-\d{6}: done and torn down\. Report: /);
    expect(screen).not.toMatch(SPINNER);
    const output = pty.output();
    expect(output).toMatch(/SSM online \d+\/10 · waiting for (broker|client)-\d/);
    expect(output).toMatch(/001-fixed-1k \d+(m\d\d)?s of 3m00s · \d+ msg\/s/);
    expect(await terraformCalls(lab)).toEqual(['init', 'plan', 'apply', 'output', 'init', 'destroy']);
  });

  it('Ctrl-C during terraform apply: exit 130 after destroying what was created, the live line cleared', async () => {
    const lab = await newLab();
    const pty = labOrchestrate(lab, ['full', ...POC, '--yes'], { env: { TF_FIXTURE_SLOW: '1' } });
    await pty.waitFor(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] setup: terraform apply · aws_vpc\.this: Creating\.\.\./m);
    pty.write(KEYS.ctrlC);
    expect(await pty.exit()).toBe(130);
    const screen = (await pty.screen()).join('\n');
    expect(screen).toContain('SIGINT: stopping and cleaning up');
    expect(screen).not.toMatch(SPINNER);
    expect(screen).toMatch(/^error: Setup of exp-\d{8}-\d{6} interrupted/m);
    expect(await terraformCalls(lab)).toContain('destroy');
  });

  describeWithPty('tables, NO_COLOR and pipes', () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await newLab();
      const full = await runPiped({
        command: process.execPath,
        args: commandLine(['full', ...POC, '--yes']),
        cwd: REPO,
        env: labEnv(lab),
      });
      expect(full.code, full.stderr).toBe(0);
      expect(controlCharacters(full.stdout + full.stderr)).toEqual([]);
      expect(full.stderr).not.toContain('·');
    });

    it.each([80, 200])('list at %i columns: no row wraps', async (columns) => {
      const pty = labOrchestrate(lab, ['list'], { columns });
      expect(await pty.exit()).toBe(0);
      const lines = await pty.lines();
      expect(wrappedRows(lines)).toEqual([]);
      const header = lines.find((line) => line.text.startsWith('EXPERIMENT'))?.text;
      expect(header).toMatch(/^EXPERIMENT\s+NAME\s+STATUS\s+AGE\s+WHERE\s+RESOURCES/);
      // LOCKED BY is the column given up first when the width runs short (AGE grows with the run's age).
      if (columns === 200) expect(header).toContain('LOCKED BY');
      expect(lines.some((line) => /^exp-\d{8}-\d{6}\s+pulsar-lab\s+succeeded/.test(line.text))).toBe(true);
    });

    it('NO_COLOR: a whole live run without a colour code', async () => {
      const other = await newLab();
      const pty = labOrchestrate(other, ['full', ...POC, '--yes'], { env: { NO_COLOR: '1' } });
      expect(await pty.exit()).toBe(0);
      expect(pty.output()).toMatch(SPINNER);
      expect(pty.output()).not.toMatch(SGR);
    });

    it('piped list and status: no control characters, full values', async () => {
      for (const args of [['list'], ['status', '--no-check']]) {
        const piped = await runPiped({
          command: process.execPath,
          args: commandLine(args),
          cwd: REPO,
          env: labEnv(lab),
        });
        expect(piped.code, piped.stderr).toBe(0);
        expect(controlCharacters(piped.stdout + piped.stderr)).toEqual([]);
      }
      expect(existsSync(join(lab.home, (await experiments(lab))[0]!, 'report', 'index.html'))).toBe(true);
    });
  });
});
