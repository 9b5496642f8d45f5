import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { shippedTerraformDir } from '../src/index.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const copyScript = join(packageDir, 'scripts', 'copy-terraform.mjs');

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

describe('shippedTerraformDir', () => {
  const dir = shippedTerraformDir();

  it('is the terraform/ directory inside the package, as an absolute path', () => {
    expect(isAbsolute(dir)).toBe(true);
    expect(dir).toBe(join(packageDir, 'terraform'));
  });

  it('holds the root module', () => {
    for (const file of ['versions.tf', 'main.tf', 'variables.tf', 'outputs.tf', 'providers.tf']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
  });

  it('holds every local module the root module and its modules call', async () => {
    const files = (await filesUnder(dir)).filter((file) => file.endsWith('.tf'));
    const sources: string[] = [];
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8');
      for (const match of text.matchAll(/^\s*source\s*=\s*"(\.\.?\/[^"]+)"/gm)) {
        sources.push(join(dirname(file), match[1]!));
      }
    }
    expect(sources).toContain(join('modules', 'cluster'));
    for (const source of sources) {
      expect(existsSync(join(dir, source, 'versions.tf')), source).toBe(true);
    }
  });
});

describe('copy-terraform.mjs', () => {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((path) => rm(path, { recursive: true, force: true })));
  });

  it('copies the module and leaves out what a local run and the tests leave in a checkout', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lab-infra-copy-'));
    made.push(root);
    const from = join(root, 'terraform');
    const kept = ['main.tf', 'versions.tf', 'README.md', 'modules/a/main.tf', 'modules/a/user-data.sh.tftpl'];
    const leftOut = [
      '.terraform/providers/x',
      '.terraform.lock.hcl',
      'terraform.tfstate',
      'terraform.tfstate.backup',
      'terraform.tfstate.d/dev/terraform.tfstate',
      'prod.tfvars',
      'terraform.tfvars.json',
      'plan.tfplan',
      'main.tftest.hcl',
      'tests/defaults.tftest.hcl',
      'modules/a/.terraform/modules.json',
      'override.tf',
      'crash.log',
    ];
    for (const file of [...kept, ...leftOut]) {
      await mkdir(dirname(join(from, file)), { recursive: true });
      await writeFile(join(from, file), file);
    }
    const to = join(root, 'package', 'terraform');
    await mkdir(to, { recursive: true });
    await writeFile(join(to, 'stale.tf'), 'from an earlier build');

    execFileSync(process.execPath, [copyScript, from, to]);

    expect(await filesUnder(to)).toEqual([...kept].sort());
    expect(await readFile(join(to, 'modules/a/main.tf'), 'utf8')).toBe('modules/a/main.tf');
  });
});
