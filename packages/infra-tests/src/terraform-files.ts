import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

/** hcl2json's output: blocks are lists, attribute values are JSON or `${expression}` strings. */
// biome-ignore lint/suspicious/noExplicitAny: hcl2json returns untyped JSON whose shape depends on each file.
export type Hcl = Record<string, any>;

export interface TfFile {
  /** Path relative to the directory that was loaded, e.g. `modules/compute/main.tf`. */
  path: string;
  /** The module directory relative to that directory (`.` for the root module). */
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

/** Parses every `.tf` under `dir` with a real HCL parser; a syntax error names the file. */
export async function loadTfFiles(dir: string): Promise<TfFile[]> {
  const files = await listTfFiles(dir);
  return Promise.all(
    files.map(async (file) => {
      const path = relative(dir, file);
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
