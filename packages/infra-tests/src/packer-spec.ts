import type { AttributeSchema, BodySchema, NestedBlockSchema } from './schema.js';

/**
 * Reads a Packer plugin's configuration spec out of its generated `*.hcl2spec.go` files: every
 * `func (*FlatX) HCL2Spec()` lists the struct's arguments as `hcldec.AttrSpec` (an argument),
 * `hcldec.BlockSpec` (at most one block) or `hcldec.BlockListSpec` (any number of blocks) whose
 * body is another Flat struct. Structs defined outside the given files (e.g. the plugin SDK's
 * `config.FlatKeyValue`) become `opaque` blocks. Packer decides which arguments are required in
 * Go code (`Prepare`), not in the spec, so every argument is `optional` here.
 */
export function parseHcl2Spec(goSources: readonly string[], root = 'FlatConfig'): BodySchema {
  const structs = new Map<string, string>();
  for (const source of goSources) {
    for (const match of source.matchAll(
      /^func \(\*(\w+)\) HCL2Spec\(\) map\[string\]hcldec\.Spec \{\n([\s\S]*?)^\}$/gm,
    )) {
      structs.set(match[1]!, match[2]!);
    }
  }
  const body = (name: string, seen: readonly string[]): BodySchema | undefined => {
    const text = structs.get(name);
    if (text === undefined) return undefined;
    if (seen.includes(name)) throw new Error(`recursive spec ${[...seen, name].join(' → ')}`);
    const schema: BodySchema = { attributes: {}, blocks: {} };
    for (const match of text.matchAll(/^\s*"(\w+)":\s*&hcldec\.(\w+)\{(.*)\},?$/gm)) {
      const [, key, kind, rest] = match as unknown as [string, string, string, string];
      if (kind === 'AttrSpec') {
        const type = /Type: (cty\.[^,]+(?:\([^)]*\))?)/.exec(rest)?.[1] ?? 'unknown';
        schema.attributes[key] = { mode: 'optional', type: goType(type) } satisfies AttributeSchema;
        continue;
      }
      if (kind !== 'BlockSpec' && kind !== 'BlockListSpec')
        throw new Error(`${name}.${key}: unknown spec ${kind}`);
      const nestedName = /\(\*(?:\w+\.)?(\w+)\)\(nil\)\.HCL2Spec\(\)/.exec(rest)?.[1];
      if (nestedName === undefined) throw new Error(`${name}.${key}: no nested struct`);
      const nested = body(nestedName, [...seen, name]);
      const block: NestedBlockSchema = {
        min: 0,
        max: kind === 'BlockSpec' ? 1 : null,
        ...(nested ?? { attributes: {}, blocks: {}, opaque: true }),
      };
      schema.blocks[key] = block;
    }
    return schema;
  };
  const schema = body(root, []);
  if (schema === undefined) throw new Error(`no ${root} spec in the given files`);
  return schema;
}

function goType(type: string): string {
  return type
    .replace(/cty\./g, '')
    .replace('String', 'string')
    .replace('Number', 'number')
    .replace('Bool', 'bool')
    .toLowerCase();
}
