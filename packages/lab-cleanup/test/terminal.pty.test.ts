// lab-cleanup as a person sees it: the real command (src/cli.ts through tsx) on a pseudo-terminal
// against moto, the screen read by a terminal emulator (@lab/test-support's pty harness).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CreateSubnetCommand } from '@aws-sdk/client-ec2';
import {
  buildTopology,
  controlCharacters,
  countResources,
  describeWithMoto,
  describeWithPty,
  KEYS,
  type MotoAccount,
  motoAccount,
  runPiped,
  type ScreenLine,
  spawnPty,
  survivors,
  type Topology,
  terminalEnv,
  wrappedRows,
} from '@lab/test-support';
import { beforeAll, expect, it } from 'vitest';

const A = 'exp-20260101-000001';
const TSX = createRequire(import.meta.url).resolve('tsx');
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes
const SGR = /\u001b\[[0-9;]*m/;
const QUESTION = /Delete these (\d+) resource\(s\)\? \[y\/N\]/;

interface Options {
  columns?: number;
  env?: NodeJS.ProcessEnv;
}

const commandLine = (account: MotoAccount, extra: readonly string[]) => [
  '--import',
  TSX,
  CLI,
  A,
  '--region',
  account.region,
  '--endpoint-url',
  account.connection.endpoint,
  '--exclude-type',
  'placement-group',
  '--include-amis',
  ...extra,
];
const awsEnv = (account: MotoAccount, extra: NodeJS.ProcessEnv = {}) =>
  terminalEnv({
    AWS_ACCESS_KEY_ID: account.connection.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.connection.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: account.connection.credentials.sessionToken,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  });
const labCleanup = (account: MotoAccount, extra: readonly string[], options: Options = {}) =>
  spawnPty({
    command: process.execPath,
    args: commandLine(account, extra),
    env: awsEnv(account, options.env),
    columns: options.columns ?? 120,
    rows: 45,
  });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lastRow = (screen: readonly string[]) => screen.filter((row) => row.trim() !== '').at(-1) ?? '';
/** Rows of the plan table: type, id, region, … */
const tableRows = (lines: readonly string[]) =>
  lines.filter((line) => /^[a-z-]+ {2,}\S+ {2,}(us-east-1|global) /.test(line));

async function world(): Promise<{ account: MotoAccount; topology: Topology }> {
  const account = await motoAccount();
  return { account, topology: await buildTopology(account, A) };
}

describeWithMoto('lab-cleanup on a terminal, against moto', () => {
  describeWithPty('questions', () => {
    it('shows the plan and keeps the question on screen; "n" declines (exit 4) and deletes nothing', async () => {
      const { account, topology } = await world();
      const pty = labCleanup(account, ['--execute']);
      await pty.waitFor(QUESTION);
      await pause(1200);
      const waiting = await pty.screen();
      expect(lastRow(waiting)).toMatch(new RegExp(`^${QUESTION.source}$`));
      expect(lastRow(waiting)).toContain(`Delete these ${countResources(topology)} resource(s)?`);
      expect(waiting.join('\n')).not.toMatch(SPINNER);
      expect(waiting.join('\n')).toContain(topology.vpcs[0]!);
      pty.write(`n${KEYS.enter}`);
      expect(await pty.exit()).toBe(4);
      const screen = (await pty.screen()).join('\n');
      expect(screen).toMatch(/\[y\/N\] n\n/);
      expect(screen).toContain('Declined; nothing was changed.');
      expect(await survivors(account, topology)).toHaveLength(countResources(topology));
    });

    it('Ctrl-C at the question cancels (exit 130): nothing deleted, no half-drawn line', async () => {
      const { account, topology } = await world();
      const pty = labCleanup(account, ['--execute']);
      await pty.waitFor(QUESTION);
      pty.write(KEYS.ctrlC);
      expect(await pty.exit()).toBe(130);
      const screen = await pty.screen();
      expect(screen.join('\n')).toMatch(/\[y\/N\] \^C\n/);
      expect(lastRow(screen)).toBe('error: Cancelled at the question; nothing was changed.');
      expect(screen.join('\n')).not.toMatch(SPINNER);
      expect(await survivors(account, topology)).toHaveLength(countResources(topology));
    });

    it('"y" deletes with the rounds in the live line, then verifies (exit 0)', async () => {
      const { account, topology } = await world();
      const pty = labCleanup(account, ['--execute']);
      await pty.waitFor(QUESTION);
      pty.write('y');
      await pty.waitFor(/\[y\/N\] y$/m);
      pty.write(KEYS.enter);
      expect(await pty.exit()).toBe(0);
      const screen = (await pty.screen()).join('\n');
      expect(screen).toContain(
        `Deleted ${countResources(topology)} resource(s); verified that nothing of experiment ${A} remains.`,
      );
      expect(screen).not.toMatch(SPINNER);
      expect(pty.output()).toMatch(new RegExp(`round 1 · \\d+/${countResources(topology)} deleted`));
      expect(await survivors(account, topology)).toEqual([]);
    });
  });

  describeWithPty('long work', () => {
    it('Ctrl-C while deleting at 80 columns: one-row live line, then exit 130 with the command that finishes the job', async () => {
      const { account, topology } = await world();
      // A subnet without the lab's tags keeps the VPC from being deleted: the rounds go on.
      await account.ec2.send(
        new CreateSubnetCommand({ VpcId: topology.vpcs[0]!, CidrBlock: '10.0.200.0/24' }),
      );
      const pty = labCleanup(account, ['--execute', '--yes'], { columns: 80 });
      await pty.waitFor(/Round 2: 1 resource\(s\) left/);
      await pty.waitFor(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] delete · round 2 · /m);
      const lines = await pty.lines();
      const live = lines.filter((line) => line.text !== '').at(-1) as ScreenLine;
      expect(live.text).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] delete · round 2 · \d+\/\d+ deleted/);
      expect(live.wrapped).toBe(false);
      pty.write(KEYS.ctrlC);
      expect(await pty.exit()).toBe(130);
      const screen = (await pty.screen()).join('\n');
      expect(screen).toContain('SIGINT: stopping and cleaning up');
      expect(screen).toContain('error: Cleanup interrupted; resources may remain');
      // The rest of the command (--include-amis --execute) wraps onto the next row at 80 columns.
      expect(screen).toContain(`Finish with: lab-cleanup ${A} --region ${account.region} --include-`);
      expect(screen).not.toMatch(SPINNER);
      expect(await survivors(account, topology)).toEqual(topology.vpcs);
    });
  });

  describeWithPty('the plan on narrow and wide terminals, NO_COLOR and pipes', () => {
    let account: MotoAccount;
    let topology: Topology;
    beforeAll(async () => {
      ({ account, topology } = await world());
    });

    it.each([80, 200])('at %i columns no row of the plan wraps', async (columns) => {
      const pty = labCleanup(account, [], { columns });
      expect(await pty.exit()).toBe(0);
      const lines = await pty.lines();
      const rows = tableRows(lines.map((line) => line.text));
      expect(rows).toHaveLength(countResources(topology));
      expect(tableRows(wrappedRows(lines))).toEqual([]);
      const policy = rows.find((row) => row.startsWith('policy '))!;
      if (columns === 80) {
        for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);
        expect(policy).toContain('…');
        // EC2 ids stay whole.
        expect(rows.find((row) => row.startsWith('vpc '))).toContain(topology.vpcs[0]!);
      } else {
        expect(wrappedRows(lines)).toEqual([]);
        expect(policy).toContain(topology.policies[0]!);
      }
    });

    it('NO_COLOR: no colour codes reach the terminal (and without it, they do)', async () => {
      const plain = labCleanup(account, [], { env: { NO_COLOR: '1' } });
      expect(await plain.exit()).toBe(0);
      expect(plain.output()).not.toMatch(SGR);
      expect(plain.output()).toContain('Dry run: nothing was deleted.');
      const coloured = labCleanup(account, []);
      expect(await coloured.exit()).toBe(0);
      expect(coloured.output()).toMatch(SGR);
    });

    it('piped output has no control characters and full values; the SDK’s warnings are lines, not noise', async () => {
      const piped = await runPiped({
        command: process.execPath,
        args: commandLine(account, []),
        env: awsEnv(account, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined }),
      });
      expect(piped.code).toBe(0);
      expect(controlCharacters(piped.stdout + piped.stderr)).toEqual([]);
      expect(piped.stderr).toContain(topology.policies[0]!);
      expect(piped.stderr).not.toContain('(node:');
      const json = await runPiped({
        command: process.execPath,
        args: commandLine(account, ['--json']),
        env: awsEnv(account),
      });
      expect(controlCharacters(json.stdout + json.stderr)).toEqual([]);
      expect(json.stdout.trim().split('\n').at(-1)).toMatch(/^\{"type":"result"/);
    });
  });
});
