import type { AttributeSchema, BodySchema, NestedBlockSchema } from './schema.js';

/**
 * Reads a resource's or data source's configuration schema out of one module of the npm package
 * `@cdktf/provider-aws` (`lib/<module>/index.js` and `index.d.ts`), which cdktf generates from
 * the provider's own schema:
 * - `synthesizeHclAttributes()` of the resource class and every `<struct>ToHclTerraform()` list
 *   each argument by its Terraform name with `isBlock`, and for a block the function of its
 *   body (called once for a block of at most one, through `listMapperHcl` for a list);
 * - the `.d.ts` interfaces (`<Class>Config`, `<Struct>`) mark optional members with `?`;
 * - getter comments `// name - computed: true, optional: false, required: false` name the
 *   attributes only the provider sets.
 */
export function extractCdktfSchema(js: string, dts: string, terraformType: string): BodySchema {
  const code = js.replace(/^\/\/# sourceMappingURL=.*$/m, '');
  const className = mainClassName(code, terraformType);
  const interfaces = parseInterfaces(dts);
  const classes = parseClasses(code);
  const mainClass = classes.get(className);
  if (mainClass === undefined) throw new Error(`${terraformType}: class ${className} not found`);
  const synth = /synthesizeHclAttributes\(\) \{\s*const attrs = \{([\s\S]*?)\n {8}\};/.exec(mainClass);
  if (synth === null) throw new Error(`${terraformType}: no synthesizeHclAttributes in ${className}`);
  const structs = parseStructFunctions(code);

  const body = (
    entries: AttrEntry[],
    members: Map<string, boolean> | undefined,
    computedOnly: string[],
    where: string,
  ): BodySchema => {
    const schema: BodySchema = { attributes: {}, blocks: {} };
    for (const entry of entries) {
      const optional = members?.get(entry.name);
      if (optional === undefined) throw new Error(`${where}: no interface member for ${entry.name}`);
      if (!entry.isBlock) {
        schema.attributes[entry.name] = {
          mode: optional ? 'optional' : 'required',
          type: attributeType(entry),
        };
        continue;
      }
      const fn = /(?<![.\w])([a-z]\w*)ToHclTerraform/.exec(entry.value)?.[1];
      if (fn === undefined) throw new Error(`${where}: block ${entry.name} has no body function`);
      const struct = structs.get(fn);
      if (struct === undefined) throw new Error(`${where}: no function ${fn}ToHclTerraform`);
      const structName = fn[0]!.toUpperCase() + fn.slice(1);
      const nested = body(
        struct,
        interfaces.get(structName),
        computedComments(classes.get(`${structName}OutputReference`)),
        `${where}.${entry.name}`,
      );
      const block: NestedBlockSchema = {
        min: optional ? 0 : 1,
        max: entry.value.startsWith('cdktf.listMapperHcl(') ? null : 1,
        ...nested,
      };
      schema.blocks[entry.name] = block;
    }
    for (const name of computedOnly) {
      if (schema.attributes[name] === undefined && schema.blocks[name] === undefined) {
        schema.attributes[name] = { mode: 'computed', type: 'computed' };
      }
    }
    return sortBody(schema);
  };

  return body(
    parseAttrEntries(synth[1]!),
    interfaces.get(`${className}Config`),
    computedComments(mainClass),
    terraformType,
  );
}

interface AttrEntry {
  name: string;
  value: string;
  isBlock: boolean;
  type: string;
  storageClassType: string;
}

const ATTR_ENTRY =
  /(\w+): \{\s*value: ([^\n]+),\s*isBlock: (true|false),\s*type: "(\w+)",\s*storageClassType: "(\w+)",\s*\}/g;

function parseAttrEntries(text: string): AttrEntry[] {
  return [...text.matchAll(ATTR_ENTRY)].map((match) => {
    const value = match[2]!;
    return {
      name: match[1]!,
      value,
      isBlock: match[3] === 'true',
      type: match[4]!,
      storageClassType: match[5]!,
    };
  });
}

function attributeType(entry: AttrEntry): string {
  const storage = entry.storageClassType;
  if (entry.type === 'simple') return storage === 'boolean' ? 'bool' : storage;
  const element = storage.replace(/(List|Map)$/, '');
  const known = ['string', 'number', 'boolean'].includes(element)
    ? element.replace('boolean', 'bool')
    : 'object';
  return `${entry.type}(${known})`;
}

function mainClassName(code: string, terraformType: string): string {
  const match = new RegExp(`^(\\w+)\\.tfResourceType = "${terraformType}";$`, 'm').exec(code);
  if (match === null) throw new Error(`no class with tfResourceType "${terraformType}"`);
  return match[1]!;
}

/**
 * Interface name → Terraform name → optional. The Terraform name is the anchor of the member's
 * registry link (`…#get_password_data Instance#get_password_data}`): cdktf renames some members
 * (`get_password_data` is `fetchPasswordData`).
 */
function parseInterfaces(dts: string): Map<string, Map<string, boolean>> {
  const interfaces = new Map<string, Map<string, boolean>>();
  for (const match of dts.matchAll(/^export interface (\w+)(?: extends [\w.]+)? \{\n([\s\S]*?)^\}/gm)) {
    const members = new Map<string, boolean>();
    for (const member of match[2]!.matchAll(
      /#(\w+) \w+#\w+\}(?:(?!\*\/)[\s\S])*\*\/\s*readonly (\w+)(\?)?:/g,
    )) {
      members.set(member[1]!, member[3] === '?');
    }
    interfaces.set(match[1]!, members);
  }
  return interfaces;
}

/** Class name → its body. */
function parseClasses(code: string): Map<string, string> {
  const classes = new Map<string, string>();
  for (const match of code.matchAll(/^class (\w+) extends [\w.]+ \{\n([\s\S]*?)^\}$/gm)) {
    classes.set(match[1]!, match[2]!);
  }
  return classes;
}

/** `<name>ToHclTerraform` function name (without the suffix) → its attribute entries. */
function parseStructFunctions(code: string): Map<string, AttrEntry[]> {
  const structs = new Map<string, AttrEntry[]>();
  for (const match of code.matchAll(/^function (\w+)ToHclTerraform\(struct\) \{\n([\s\S]*?)^\}$/gm)) {
    const attrs = /const attrs = \{([\s\S]*?)\n {4}\};/.exec(match[2]!);
    structs.set(match[1]!, attrs === null ? [] : parseAttrEntries(attrs[1]!));
  }
  return structs;
}

function computedComments(classBody: string | undefined): string[] {
  if (classBody === undefined) return [];
  return [...classBody.matchAll(/\/\/ (\w+) - computed: true, optional: false, required: false/g)].map(
    (match) => match[1]!,
  );
}

function sortBody(body: BodySchema): BodySchema {
  const sorted = <T>(record: Record<string, T>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  return {
    attributes: sorted<AttributeSchema>(body.attributes),
    blocks: sorted<NestedBlockSchema>(body.blocks),
  };
}

/** The module directory of a type in `@cdktf/provider-aws/lib`: aws_instance → instance, data → data-aws-ami. */
export function cdktfModuleOf(kind: 'resource' | 'data', terraformType: string): string {
  const rest = terraformType.replace(/^aws_/, '').replace(/_/g, '-');
  return kind === 'data' ? `data-aws-${rest}` : rest;
}
