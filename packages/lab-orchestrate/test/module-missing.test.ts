import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const REPO = resolve(import.meta.dirname, '../../..');

describe('the Terraform module, outside a checkout', () => {
  it('an AWS dry run refuses a missing module (exit 2); a local one does not need it', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'lab-no-checkout-'));
    const run = async (...args: string[]) => {
      const out = { text: '', write: (chunk: string) => (out.text += chunk) };
      const code = await main(
        ['full', '--test-plan', join(REPO, 'configs/test-plans/smoke.yaml'), '--dry-run', ...args],
        {
          stdout: out,
          stderr: out,
          cwd,
          env: { PULSAR_AWS_LAB_HOME: join(cwd, 'home'), NO_COLOR: '1', CI: '1' },
        },
      );
      return { code, text: out.text };
    };
    const aws = await run();
    expect(aws.code).toBe(2);
    expect(aws.text).toMatch(/The lab Terraform module was not found/);
    expect(aws.text).toContain(join(cwd, 'terraform'));
    const local = await run('--target', 'local');
    expect(local.code, local.text).toBe(0);
    expect(local.text).toContain('## Local cluster (--target local)');
  });
});
