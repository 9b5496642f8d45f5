import type { HclItem } from './hcl-structure.js';
import type { BodySchema } from './schema.js';
import type { Hcl } from './terraform-files.js';

export type FindingKind =
  | 'unknown-type'
  | 'unknown-argument'
  | 'missing-argument'
  | 'computed-argument'
  | 'block-as-attribute'
  | 'attribute-as-block'
  | 'missing-block'
  | 'too-many-blocks';

export interface Finding {
  file: string;
  line: number;
  /** `aws_instance.this`, `data.aws_ami.lab`, `source.amazon-ebs.pulsar`. */
  address: string;
  /** Dotted path inside the body, e.g. `root_block_device.volume_size`. */
  path: string;
  kind: FindingKind;
  message: string;
}

/** `modules/compute/main.tf:41 aws_instance.this root_block_device: … (kind)`. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line} ${finding.address}${finding.path === '' ? '' : ` ${finding.path}`}: ${finding.message} (${finding.kind})`;
}

/** Arguments and blocks every resource takes from Terraform itself, not from the provider. */
export const TERRAFORM_META = {
  resource: ['count', 'for_each', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection'],
  data: ['count', 'for_each', 'provider', 'depends_on', 'lifecycle'],
} as const;

export interface CheckTarget {
  file: string;
  address: string;
  /** The body as hcl2json returns it. */
  body: Hcl;
  /** The same body's items as the structure scanner reads them. */
  item: HclItem;
  /** Keys that are not the schema's (Terraform's meta-arguments). */
  meta: readonly string[];
}

/**
 * Checks one resource, data source or Packer source body against its schema: every argument
 * and block known, required arguments and blocks present, nothing the provider computes set,
 * blocks written as blocks and arguments as arguments, no more blocks than allowed. `dynamic`
 * blocks are checked by their `content`. Throws when the structure scanner and hcl2json see
 * different keys in a body (the check would not be trustworthy).
 */
export function checkBody(target: CheckTarget, schema: BodySchema): Finding[] {
  const findings: Finding[] = [];
  const report = (line: number, path: string[], kind: FindingKind, message: string) =>
    findings.push({ file: target.file, line, address: target.address, path: path.join('.'), kind, message });

  const visit = (
    body: Hcl,
    items: HclItem[],
    schema: BodySchema,
    path: string[],
    meta: readonly string[],
    line: number,
  ) => {
    const scanned = new Set(
      items.map((item) => (item.key === 'dynamic' ? `dynamic:${item.labels[0]}` : item.key)),
    );
    for (const key of Object.keys(body)) {
      if (key === 'dynamic') {
        for (const name of Object.keys(body.dynamic as Hcl)) {
          if (!scanned.has(`dynamic:${name}`))
            throw new Error(`${target.file}:${line} scanner missed dynamic "${name}"`);
        }
      } else if (!scanned.has(key)) {
        throw new Error(
          `${target.file}:${line} ${target.address}: the structure scanner did not find ${[...path, key].join('.')}`,
        );
      }
    }

    const counts = new Map<string, { count: number; dynamic: boolean; line: number }>();
    for (const item of items) {
      if (meta.includes(item.key)) continue;
      if (item.kind === 'block' && item.key === 'dynamic') {
        const name = item.labels[0] ?? '';
        const block = schema.blocks[name];
        if (block === undefined) {
          report(
            item.line,
            [...path, name],
            schema.attributes[name] ? 'attribute-as-block' : 'unknown-argument',
            schema.attributes[name]
              ? `"${name}" is an argument; dynamic blocks only generate blocks`
              : unknownMessage(name, schema, 'block'),
          );
          continue;
        }
        counts.set(name, { count: 0, dynamic: true, line: item.line });
        const content = item.body.find((inner) => inner.key === 'content' && inner.kind === 'block');
        const contentBody = ((body.dynamic as Hcl)[name] as Hcl[])[0]?.content?.[0] as Hcl | undefined;
        if (content !== undefined && contentBody !== undefined && !block.opaque) {
          visit(contentBody, content.body, block, [...path, name], [], content.line);
        }
        continue;
      }
      const attribute = schema.attributes[item.key];
      const block = schema.blocks[item.key];
      if (block !== undefined) {
        if (item.kind === 'attribute') {
          report(
            item.line,
            [...path, item.key],
            'block-as-attribute',
            `"${item.key}" is a block: write ${item.key} { … }, not ${item.key} = …`,
          );
          continue;
        }
        const seen = counts.get(item.key) ?? { count: 0, dynamic: false, line: item.line };
        const index = seen.count;
        seen.count++;
        counts.set(item.key, seen);
        const nested = (body[item.key] as Hcl[] | undefined)?.[index];
        if (nested !== undefined && !block.opaque)
          visit(nested, item.body, block, [...path, item.key], [], item.line);
        continue;
      }
      if (attribute !== undefined) {
        if (item.kind === 'block') {
          report(
            item.line,
            [...path, item.key],
            'attribute-as-block',
            `"${item.key}" is an argument (${attribute.type}): write ${item.key} = …, not ${item.key} { … }`,
          );
        } else if (attribute.mode === 'computed') {
          report(
            item.line,
            [...path, item.key],
            'computed-argument',
            `"${item.key}" is set by the provider and cannot be configured`,
          );
        }
        continue;
      }
      report(item.line, [...path, item.key], 'unknown-argument', unknownMessage(item.key, schema, item.kind));
    }

    for (const [name, attribute] of Object.entries(schema.attributes)) {
      if (attribute.mode === 'required' && !(name in body)) {
        report(line, [...path, name], 'missing-argument', `the required argument "${name}" is missing`);
      }
    }
    for (const [name, block] of Object.entries(schema.blocks)) {
      const seen = counts.get(name);
      if (block.min > 0 && seen === undefined) {
        report(
          line,
          [...path, name],
          'missing-block',
          `at least ${block.min} "${name}" block(s) are required`,
        );
      }
      if (seen !== undefined && !seen.dynamic && block.max !== null && seen.count > block.max) {
        report(
          seen.line,
          [...path, name],
          'too-many-blocks',
          `at most ${block.max} "${name}" block(s) allowed, found ${seen.count}`,
        );
      }
    }
  };

  visit(target.body, target.item.body, schema, [], target.meta, target.item.line);
  return findings;
}

function unknownMessage(key: string, schema: BodySchema, kind: HclItem['kind']): string {
  const names = [...Object.keys(schema.attributes), ...Object.keys(schema.blocks)];
  const close = names
    .map((name) => ({ name, distance: editDistance(key, name) }))
    .filter((candidate) => candidate.distance <= 2)
    .sort((a, b) => a.distance - b.distance)[0];
  const what = kind === 'block' ? 'block' : 'argument';
  return `unknown ${what} "${key}"${close === undefined ? '' : ` (did you mean "${close.name}"?)`}`;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(
        previous[j]! + 1,
        previous[j - 1]! + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return previous[b.length]!;
}
