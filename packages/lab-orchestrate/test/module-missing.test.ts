import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/main.js';

const REPO = resolve(import.meta.dirname, '../../..');

describe('the Terraform module, outside a checkout', () => {
  it('an AWS dry run uses the module shipped with @lab/infra, refuses a wrong --terraform-dir (exit 2); a local one needs none', async () => {
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
    // No checkout around: the module shipped in @lab/infra is the one used.
    const aws = await run();
    expect(aws.code, aws.text).toBe(0);
    expect(aws.text).toContain(`terraform -chdir=${join(REPO, 'packages/infra/terraform')} init`);
    // A --terraform-dir that is not the module is refused before anything (exit 2).
    const wrong = await run('--terraform-dir', cwd);
    expect(wrong.code).toBe(2);
    expect(wrong.text).toMatch(/Not the lab Terraform module/);
    expect(wrong.text).toContain(
      `no versions.tf in this directory (expected the lab's root module (versions.tf, main.tf, outputs.tf), got ${cwd})`,
    );
    const local = await run('--target', 'local');
    expect(local.code, local.text).toBe(0);
    expect(local.text).toContain('## Local cluster (--target local)');
  });
});
