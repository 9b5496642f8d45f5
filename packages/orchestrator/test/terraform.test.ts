import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AbortedError, collectEvents } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { createTerraform, TerraformError } from '../src/index.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/terraform');

async function setup(extraEnv: Record<string, string> = {}) {
  const workDir = await mkdtemp(join(tmpdir(), 'tf-'));
  const log = join(workDir, 'calls.log');
  const output = join(workDir, 'output.json');
  await writeFile(output, JSON.stringify({ vpc_id: { sensitive: false, type: 'string', value: 'vpc-123' } }));
  const { sink, events } = collectEvents();
  const terraform = createTerraform({
    moduleDir: '/repo/terraform',
    workDir,
    binary: FIXTURE,
    pluginCacheDir: join(workDir, 'plugins'),
    events: sink,
    env: { TF_FIXTURE_LOG: log, TF_FIXTURE_OUTPUT: output, ...extraEnv },
  });
  const calls = async () => (await readFile(log, 'utf8')).trim().split('\n');
  return { terraform, workDir, calls, events };
}

describe('terraform driver', () => {
  it('runs init, plan -out, apply of that plan and output with the experiment’s own state and data dir', async () => {
    const { terraform, workDir, calls, events } = await setup();
    await terraform.init();
    const plan = await terraform.plan();
    await terraform.apply();
    expect(await terraform.output()).toEqual({
      vpc_id: { sensitive: false, type: 'string', value: 'vpc-123' },
    });
    await terraform.destroy();
    const lines = await calls();
    expect(lines).toEqual([
      `-chdir=/repo/terraform init -input=false -no-color -backend-config=path=${workDir}/terraform.tfstate\tTF_DATA_DIR=${workDir}/.terraform`,
      `-chdir=/repo/terraform plan -input=false -no-color -var-file=${workDir}/terraform.tfvars.json -out=${plan}\tTF_DATA_DIR=${workDir}/.terraform`,
      `-chdir=/repo/terraform apply -input=false -no-color -auto-approve ${plan}\tTF_DATA_DIR=${workDir}/.terraform`,
      `-chdir=/repo/terraform output -no-color -json\tTF_DATA_DIR=${workDir}/.terraform`,
      `-chdir=/repo/terraform destroy -input=false -no-color -auto-approve -var-file=${workDir}/terraform.tfvars.json\tTF_DATA_DIR=${workDir}/.terraform`,
    ]);
    expect(await readFile(plan, 'utf8')).toBe('fixture plan\n');
    expect(events.filter((event) => event.type === 'terraform.line').map((event) => event.message)).toContain(
      'Apply complete! Resources: 42 added, 0 changed, 0 destroyed.',
    );
  });

  it('fails with the command, exit code and Terraform’s own message', async () => {
    const { terraform } = await setup({ TF_FIXTURE_FAIL: 'apply' });
    await terraform.init();
    await terraform.plan();
    const error = await terraform.apply().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerraformError);
    expect((error as TerraformError).message).toMatch(
      /terraform apply failed \(exit 1\):\nError: creating EC2 Instance: InsufficientInstanceCapacity/,
    );
  });

  it('describes its commands for a dry run without running anything', async () => {
    const { terraform, workDir } = await setup();
    expect(terraform.describe()).toContain(
      `${FIXTURE} -chdir=/repo/terraform apply -input=false -no-color -auto-approve ${workDir}/plan.tfplan`,
    );
  });

  it('interrupts Terraform with SIGINT on abort, lets it finish, then rejects as aborted', async () => {
    const controller = new AbortController();
    const { workDir } = await setup();
    const log = join(workDir, 'calls.log');
    const terraform = createTerraform({
      moduleDir: '/repo/terraform',
      workDir,
      binary: FIXTURE,
      signal: controller.signal,
      env: { TF_FIXTURE_LOG: log, TF_FIXTURE_OUTPUT: '/dev/null', TF_FIXTURE_SLOW: '1' },
    });
    const applying = terraform.apply();
    setTimeout(() => controller.abort(new AbortedError('Ctrl-C')), 300);
    await expect(applying).rejects.toBeInstanceOf(AbortedError);
    expect(await readFile(log, 'utf8')).toContain('interrupted');
  });

  it('names a missing binary with a hint', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'tf-'));
    const terraform = createTerraform({
      moduleDir: '/repo/terraform',
      workDir,
      binary: '/nonexistent/terraform',
    });
    await expect(terraform.init()).rejects.toMatchObject({
      code: 'PROGRAM_NOT_FOUND',
      hint: expect.stringContaining('/nonexistent/terraform'),
    });
  });
});
