import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { TERRAFORM_DIR } from './paths.js';

const run = promisify(execFile);

/** hcl2json's output: blocks are lists, attribute values are JSON or `${expression}` strings. */
// biome-ignore lint/suspicious/noExplicitAny: hcl2json returns untyped JSON whose shape depends on each file.
export type Hcl = Record<string, any>;

export interface TfFile {
  /** Path relative to terraform/, e.g. `modules/compute/main.tf`. */
  path: string;
  /** The module directory relative to terraform/ (`.` for the root module). */
  module: string;
  text: string;
  hcl: Hcl;
}

async function listTfFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listTfFiles(path)));
    else if (entry.name.endsWith('.tf')) files.push(path);
  }
  return files.sort();
}

/** Parses every `.tf` under terraform/ with a real HCL parser; a syntax error names the file. */
export async function loadTerraform(): Promise<TfFile[]> {
  const files = await listTfFiles(TERRAFORM_DIR);
  return Promise.all(
    files.map(async (file) => {
      const path = relative(TERRAFORM_DIR, file);
      const text = await readFile(file, 'utf8');
      let hcl: Hcl;
      try {
        hcl = (await parse(path, text)) as Hcl;
      } catch (error) {
        throw new Error(`${path} does not parse: ${String(error)}`);
      }
      const module = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
      return { path, module, text, hcl };
    }),
  );
}

export interface ResourceBlock {
  file: string;
  module: string;
  type: string;
  name: string;
  body: Hcl;
}

export function resources(files: TfFile[], kind: 'resource' | 'data' = 'resource'): ResourceBlock[] {
  return files.flatMap((file) =>
    Object.entries((file.hcl[kind] ?? {}) as Record<string, Record<string, Hcl[]>>).flatMap(
      ([type, byName]) =>
        Object.entries(byName).flatMap(([name, bodies]) =>
          bodies.map((body) => ({ file: file.path, module: file.module, type, name, body })),
        ),
    ),
  );
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
