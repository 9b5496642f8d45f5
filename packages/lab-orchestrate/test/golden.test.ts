import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createVirtualTime } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const REPO = resolve(import.meta.dirname, '../../..');
const GOLDEN = resolve(import.meta.dirname, 'golden/full-poc-dry-run');
// UPDATE_GOLDEN=1 pnpm --filter @lab/lab-orchestrate test rewrites the golden files.
const UPDATE = process.env.UPDATE_GOLDEN === '1';

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

describe('golden: lab-orchestrate full --test-plan configs/test-plans/poc.yaml --dry-run', () => {
  it('writes the same plan and files, without AWS credentials or network', async () => {
    const home = await mkdtemp(join(tmpdir(), 'lab-golden-'));
    const out = join(home, 'dry-run');
    const stdout = { text: '', write: (chunk: string) => (stdout.text += chunk) };
    const stderr = { text: '', write: (chunk: string) => (stderr.text += chunk) };
    const time = createVirtualTime(Date.UTC(2026, 0, 1, 12, 0, 0));
    const code = await main(
      ['full', '--test-plan', 'configs/test-plans/poc.yaml', '--dry-run', '--out', out],
      {
        stdout,
        stderr,
        cwd: REPO,
        clock: time.clock,
        // No credentials, no region, no profile: a dry run must not need them.
        env: { PULSAR_AWS_LAB_HOME: home, NO_COLOR: '1', CI: '1', AWS_EC2_METADATA_DISABLED: 'true' },
        aws: () => {
          throw new Error('a dry run must not create AWS clients');
        },
      },
    );
    expect(stderr.text).not.toMatch(/error/i);
    expect(code).toBe(0);
    const normalise = (text: string) => text.replaceAll(home, '<home>').replaceAll(REPO, '<repo>');
    const produced = await filesUnder(out);
    expect(normalise(stdout.text)).toBe(normalise(await readFile(join(out, 'plan.txt'), 'utf8')));

    if (UPDATE) {
      await rm(GOLDEN, { recursive: true, force: true });
      for (const file of produced) {
        await mkdir(dirname(join(GOLDEN, file)), { recursive: true });
        await writeFile(join(GOLDEN, file), normalise(await readFile(join(out, file), 'utf8')));
      }
    }
    expect(produced).toEqual(await filesUnder(GOLDEN));
    for (const file of produced) {
      expect(normalise(await readFile(join(out, file), 'utf8')), file).toBe(
        await readFile(join(GOLDEN, file), 'utf8'),
      );
    }
    expect(produced).toEqual(
      expect.arrayContaining([
        'plan.txt',
        'plan.json',
        'config/explain.txt',
        'terraform/terraform.tfvars.json',
        'terraform/commands.txt',
        'omb/driver.yaml',
        'omb/workloads/001-fixed-1k.yaml',
        'omb/workloads/002-latency-100.yaml',
        'remote/001-fixed-1k.txt',
        'cleanup.txt',
        'cost.txt',
      ]),
    );
  });
});
