import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Hcl, loadTfFiles, type TfFile } from '../../src/terraform-files.js';
import { TERRAFORM_DIR } from './paths.js';

const run = promisify(execFile);

export { type Hcl, type ResourceBlock, resources, type TfFile } from '../../src/terraform-files.js';

/** Parses every `.tf` under terraform/ with a real HCL parser; a syntax error names the file. */
export function loadTerraform(): Promise<TfFile[]> {
  return loadTfFiles(TERRAFORM_DIR);
}

/** Named top-level blocks of one kind (variable, output, module) in one module directory. */
export function blocks(files: TfFile[], kind: string, module = '.'): Map<string, Hcl> {
  const found = new Map<string, Hcl>();
  for (const file of files.filter((candidate) => candidate.module === module)) {
    for (const [name, bodies] of Object.entries((file.hcl[kind] ?? {}) as Record<string, Hcl[]>)) {
      found.set(name, bodies[0]!);
    }
  }
  return found;
}

export function locals(files: TfFile[], module = '.'): Hcl {
  return Object.assign(
    {},
    ...files.filter((file) => file.module === module).flatMap((file) => (file.hcl.locals ?? []) as Hcl[]),
  );
}

/** The terraform binary, or undefined when this machine has none. */
export async function findTerraform(): Promise<string | undefined> {
  try {
    const { stdout } = await run('bash', ['-c', 'command -v terraform']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface TerraformResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function terraform(binary: string, args: string[], cwd: string): Promise<TerraformResult> {
  try {
    const { stdout, stderr } = await run(binary, args, {
      cwd,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        // No update checks, no user CLI configuration: the check must work offline.
        CHECKPOINT_DISABLE: '1',
        TF_IN_AUTOMATION: '1',
        TF_CLI_CONFIG_FILE: '/dev/null',
        TF_DATA_DIR: join(cwd, '.terraform'),
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failure.code === 'number' ? failure.code : 1,
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
    };
  }
}
