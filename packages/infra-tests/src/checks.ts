import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HclItem, scanHcl } from './hcl-structure.js';
import type { PackerSpecFile, ProviderSchemaFile } from './schema.js';
import { checkBody, type Finding, TERRAFORM_META } from './schema-check.js';
import type { Hcl, TfFile } from './terraform-files.js';

/** Every resource and data block of `files` against one provider version's schema. */
export function checkTerraform(files: readonly TfFile[], schema: ProviderSchemaFile): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const seen = new Map<string, number>();
    for (const item of scanHcl(file.text)) {
      if (item.kind !== 'block' || (item.key !== 'resource' && item.key !== 'data')) continue;
      const kind = item.key;
      const [type = '', name = ''] = item.labels;
      const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
      const index = seen.get(address) ?? 0;
      seen.set(address, index + 1);
      const body = ((file.hcl[kind] as Hcl | undefined)?.[type]?.[name] as Hcl[] | undefined)?.[index];
      if (body === undefined) throw new Error(`${file.path}:${item.line} hcl2json has no ${address}`);
      const typeSchema = (kind === 'data' ? schema.data : schema.resources)[type];
      if (typeSchema === undefined) {
        findings.push({
          file: file.path,
          line: item.line,
          address,
          path: '',
          kind: 'unknown-type',
          message: `no ${kind === 'data' ? 'data source' : 'resource'} type "${type}" in the schema of ${schema.provider} ${schema.version} (new type? run \`pnpm --filter @lab/infra-tests schema:aws\`)`,
        });
        continue;
      }
      findings.push(
        ...checkBody({ file: file.path, address, body, item, meta: TERRAFORM_META[kind] }, typeSchema),
      );
    }
  }
  return findings;
}

/** Every `source "<builder>" "…"` block of a Packer template against the plugin's spec. */
export function checkPackerTemplate(
  file: { path: string; text: string; hcl: Hcl },
  spec: PackerSpecFile,
): Finding[] {
  const findings: Finding[] = [];
  const sources = scanHcl(file.text).filter(
    (item): item is HclItem =>
      item.kind === 'block' && item.key === 'source' && item.labels[0] === spec.builder,
  );
  if (sources.length === 0) throw new Error(`${file.path} has no source "${spec.builder}"`);
  for (const item of sources) {
    const name = item.labels[1] ?? '';
    const body = (file.hcl.source?.[spec.builder]?.[name] as Hcl[] | undefined)?.[0];
    if (body === undefined)
      throw new Error(`${file.path}:${item.line} hcl2json has no source ${spec.builder}.${name}`);
    findings.push(
      ...checkBody(
        { file: file.path, address: `source.${spec.builder}.${name}`, body, item, meta: [] },
        spec.body,
      ),
    );
  }
  return findings;
}

export async function loadProviderSchemas(dataDir: string): Promise<ProviderSchemaFile[]> {
  const names = (await readdir(dataDir)).filter((name) => /^aws-provider-[\d.]+\.schema\.json$/.test(name));
  const schemas = await Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(dataDir, name), 'utf8')) as ProviderSchemaFile),
  );
  return schemas.sort((a, b) => compareVersions(a.version, b.version));
}

export async function loadPackerSpecs(dataDir: string): Promise<PackerSpecFile[]> {
  const names = (await readdir(dataDir)).filter((name) =>
    /^packer-amazon-ebs-[\d.]+\.schema\.json$/.test(name),
  );
  const specs = await Promise.all(
    names.map(async (name) => JSON.parse(await readFile(join(dataDir, name), 'utf8')) as PackerSpecFile),
  );
  return specs.sort((a, b) => compareVersions(a.version, b.version));
}

export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Whether `version` satisfies a Terraform/Packer version constraint such as `~> 5.80`,
 * `>= 5.80.0, < 7.0.0` or `= 1.3.0` (comma-separated, every part must hold).
 */
export function satisfies(version: string, constraint: string): boolean {
  return constraint.split(',').every((part) => {
    const match = /^\s*(~>|>=|<=|!=|=|>|<)?\s*(\d+(?:\.\d+)*)\s*$/.exec(part);
    if (match === null) throw new Error(`cannot read the version constraint "${part.trim()}"`);
    const operator = match[1] ?? '=';
    const bound = match[2]!;
    const order = compareVersions(version, bound);
    switch (operator) {
      case '=':
        return order === 0;
      case '!=':
        return order !== 0;
      case '>':
        return order > 0;
      case '>=':
        return order >= 0;
      case '<':
        return order < 0;
      case '<=':
        return order <= 0;
      default: {
        // ~> 5.80 allows 5.80 up to (not including) 6.0; ~> 5.80.1 up to 5.81.
        const parts = bound.split('.').map(Number);
        const upper = parts.slice(0, Math.max(1, parts.length - 1));
        upper[upper.length - 1]! += 1;
        return order >= 0 && compareVersions(version, upper.join('.')) < 0;
      }
    }
  });
}

/** The constraint's lowest version: the largest lower bound it names (`~>`, `>=`, `=`). */
export function lowestAllowed(constraint: string): string {
  const bounds = [...constraint.matchAll(/(~>|>=|=)\s*(\d+(?:\.\d+)*)/g)].map((match) => match[2]!);
  if (bounds.length === 0) throw new Error(`"${constraint}" has no lower bound`);
  const lowest = bounds.sort(compareVersions).at(-1)!;
  return lowest.split('.').length === 2 ? `${lowest}.0` : lowest;
}
