// lab-ami as a person sees it: the real command (src/cli.ts through tsx) on a pseudo-terminal
// against moto, the screen read by a terminal emulator (@lab/test-support's pty harness);
// `build` runs the fake Packer of @lab/ami-builder's fixtures.
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTagsCommand, DescribeImagesCommand, RegisterImageCommand } from '@aws-sdk/client-ec2';
import {
  controlCharacters,
  describeWithMoto,
  describeWithPty,
  KEYS,
  type MotoAccount,
  motoAccount,
  runPiped,
  spawnPty,
  terminalEnv,
  wrappedRows,
} from '@lab/test-support';
import { beforeAll, expect, it } from 'vitest';

const TSX = createRequire(import.meta.url).resolve('tsx');
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const FAKE_PACKER = fileURLToPath(new URL('../../ami-builder/test/fixtures/fake-packer.sh', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('../../../packer/pulsar-base.pkr.hcl', import.meta.url));
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes
const SGR = /\u001b\[[0-9;]*m/;
const LONG_NAME = 'pulsar-base-4.0.4-20260101-000000-with-a-name-long-enough-to-need-cutting';

interface Lab {
  account: MotoAccount;
  home: string;
  images: string[];
}

/** A fresh account with `count` lab images of Pulsar 4.0.4, one second apart (newest last). */
async function labWithImages(
  count: number,
  name = (index: number) => `pulsar-base-4.0.4-${index}`,
): Promise<Lab> {
  const account = await motoAccount();
  const images: string[] = [];
  for (let index = 1; index <= count; index += 1) {
    if (index > 1) await new Promise((resolve) => setTimeout(resolve, 1100));
    const image = await account.ec2.send(
      new RegisterImageCommand({ Name: name(index), RootDeviceName: '/dev/xvda' }),
    );
    await account.ec2.send(
      new CreateTagsCommand({
        Resources: [image.ImageId!],
        Tags: [
          { Key: 'Project', Value: 'pulsar-aws-lab' },
          { Key: 'PulsarVersion', Value: '4.0.4' },
          { Key: 'OmbCommit', Value: '00502be586da8fae3b356db3fc7ea65be1f45cba' },
        ],
      }),
    );
    images.push(image.ImageId!);
  }
  return { account, home: await mkdtemp(join(tmpdir(), 'lab-ami-pty-')), images };
}

const commandLine = (lab: Lab, args: readonly string[]) => [
  '--import',
  TSX,
  CLI,
  ...args,
  '--region',
  lab.account.region,
  '--endpoint-url',
  lab.account.connection.endpoint,
];
const labEnv = (lab: Lab, extra: NodeJS.ProcessEnv = {}) =>
  terminalEnv({
    AWS_ACCESS_KEY_ID: lab.account.connection.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: lab.account.connection.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: lab.account.connection.credentials.sessionToken,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PULSAR_AWS_LAB_HOME: lab.home,
    ...extra,
  });
const labAmi = (
  lab: Lab,
  args: readonly string[],
  options: { columns?: number; env?: NodeJS.ProcessEnv } = {},
) =>
  spawnPty({
    command: process.execPath,
    args: commandLine(lab, args),
    env: labEnv(lab, options.env),
    columns: options.columns ?? 120,
    rows: 30,
  });
const lastRow = (screen: readonly string[]) => screen.filter((row) => row.trim() !== '').at(-1) ?? '';
const remaining = async (lab: Lab) =>
  ((await lab.account.ec2.send(new DescribeImagesCommand({ ImageIds: lab.images }))).Images ?? [])
    .filter((image) => image.State !== 'deregistered')
    .map((image) => image.ImageId)
    .sort();

describeWithMoto('lab-ami on a terminal, against moto', () => {
  describeWithPty('delete and prune ask first', () => {
    it('delete: the question stays on screen; "n" (exit 4) and Ctrl-C (exit 130) change nothing, "y" deletes', async () => {
      const lab = await labWithImages(1);
      const [image] = lab.images as [string];
      const asked = new RegExp(
        `Deregister ${image} \\(pulsar-base-4\\.0\\.4-1\\) and its \\d+ snapshot\\(s\\)\\? \\[y/N\\]`,
      );

      const declined = labAmi(lab, ['delete', image]);
      const question = lastRow(await declined.waitFor(asked));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(lastRow(await declined.screen())).toBe(question);
      expect((await declined.screen()).join('\n')).not.toMatch(SPINNER);
      declined.write(`n${KEYS.enter}`);
      expect(await declined.exit()).toBe(4);
      expect((await declined.screen()).join('\n')).toContain(
        `${question} n\nerror: Declined; nothing was changed.`,
      );

      const cancelled = labAmi(lab, ['delete', image]);
      await cancelled.waitFor(question);
      cancelled.write(KEYS.ctrlC);
      expect(await cancelled.exit()).toBe(130);
      expect(await cancelled.screen()).toContain(`${question} ^C`);
      expect(await remaining(lab)).toEqual([image]);

      const confirmed = labAmi(lab, ['delete', image]);
      await confirmed.waitFor(question);
      confirmed.write(`yes${KEYS.enter}`);
      expect(await confirmed.exit()).toBe(0);
      const screen = (await confirmed.screen()).join('\n');
      expect(screen).toContain(`${question} yes`);
      expect(screen).toMatch(new RegExp(`Deleted ${image} and \\d+ snapshot\\(s\\)\\.`));
      expect(screen).not.toMatch(SPINNER);
      expect(await remaining(lab)).toEqual([]);
    });

    it('prune --execute: the plan, then the question; "y" deletes all but the newest', async () => {
      const lab = await labWithImages(2);
      const [older, newer] = lab.images as [string, string];
      const pty = labAmi(lab, ['prune', '--keep', '1', '--execute']);
      await pty.waitFor(`Delete 1 image(s) and their snapshots in ${lab.account.region}? [y/N]`);
      const asked = (await pty.screen()).join('\n');
      expect(asked).toMatch(new RegExp(`delete\\s+4\\.0\\.4\\s+${older}`));
      expect(asked).toMatch(new RegExp(`keep\\s+4\\.0\\.4\\s+${newer}`));
      pty.write(`y${KEYS.enter}`);
      expect(await pty.exit()).toBe(0);
      expect((await pty.screen()).join('\n')).toContain('Deleted 1 image(s).');
      expect(await remaining(lab)).toEqual([newer]);
    });
  });

  describeWithPty('long work', () => {
    it('Ctrl-C during a build stops Packer, which cleans up; exit 130 and no live line left', async () => {
      const lab = await labWithImages(0);
      const pty = labAmi(
        lab,
        ['build', '--template', TEMPLATE, '--packer', FAKE_PACKER, '--instance-profile', 'p'],
        { env: { FAKE_PACKER_SCENARIO: 'interrupt' } },
      );
      await pty.waitFor('install-omb.sh');
      await pty.waitFor(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] build · /m);
      pty.write(KEYS.ctrlC);
      expect(await pty.exit()).toBe(130);
      const screen = await pty.screen();
      expect(screen.join('\n')).toContain('Cleanly cancelled builds after being interrupted.');
      expect(lastRow(screen)).toBe('error: Build interrupted; Packer stopped and cleaned up');
      expect(screen.join('\n')).not.toMatch(SPINNER);
    });
  });

  describeWithPty('list on narrow and wide terminals, NO_COLOR and pipes', () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await labWithImages(2, (index) => `${LONG_NAME}-${index}`);
    });

    it.each([80, 200])('at %i columns no row of the listing wraps', async (columns) => {
      const pty = labAmi(lab, ['list', '--no-cache'], { columns });
      expect(await pty.exit()).toBe(0);
      const lines = await pty.lines();
      const rows = lines.map((line) => line.text).filter((text) => text.startsWith('4.0.4 '));
      expect(rows).toHaveLength(2);
      expect(wrappedRows(lines).filter((text) => text.startsWith('4.0.4 '))).toEqual([]);
      for (const row of rows) {
        expect(row.length).toBeLessThanOrEqual(columns);
        expect(row).toMatch(/ami-[0-9a-f]{17}/);
        if (columns === 80) expect(row).toContain('…');
        else expect(row).toContain(LONG_NAME);
      }
    });

    it('NO_COLOR: no colour codes reach the terminal', async () => {
      const pty = labAmi(lab, ['list'], { env: { NO_COLOR: '1' } });
      expect(await pty.exit()).toBe(0);
      expect(pty.output()).toContain(lab.images[0]!);
      expect(pty.output()).not.toMatch(SGR);
    });

    it('piped: no control characters, full names; delete without --yes refuses (exit 4)', async () => {
      const listed = await runPiped({
        command: process.execPath,
        args: commandLine(lab, ['list']),
        env: labEnv(lab),
      });
      expect(listed.code).toBe(0);
      expect(controlCharacters(listed.stdout + listed.stderr)).toEqual([]);
      expect(listed.stdout).toContain(`${LONG_NAME}-1`);
      const refused = await runPiped({
        command: process.execPath,
        args: commandLine(lab, ['delete', lab.images[0]!]),
        env: labEnv(lab),
      });
      expect(refused.code).toBe(4);
      expect(controlCharacters(refused.stdout + refused.stderr)).toEqual([]);
      expect(refused.stderr).toContain('pass --yes');
    });
  });
});
