import type { z } from 'zod';
import { isPlainObject, type PathSegment } from './paths.js';

// Zod v4 keeps a schema's definition in `def`; these are the parts this walker reads.
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** Strips optional/default/… wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else return current;
  }
}

/** The options of a union that fit `value` (by discriminator when there is one), else all. */
function unionOptions(def: Def, value: unknown): z.ZodType[] {
  const options = def.options ?? [];
  if (def.discriminator === undefined || !isPlainObject(value)) return options;
  const tag = value[def.discriminator];
  const matching = options.filter((option) => {
    const shape = defOf(unwrap(option)).shape;
    const literal = shape?.[def.discriminator!];
    const values =
      literal === undefined ? [] : ((defOf(unwrap(literal)) as { values?: unknown[] }).values ?? []);
    return values.includes(tag);
  });
  return matching.length > 0 ? matching : options;
}

export type Child =
  | { kind: 'schemas'; schemas: z.ZodType[] }
  /** A record whose values are scalars: the rest of a dotted path is one key. */
  | { kind: 'record'; schema: z.ZodType }
  | { kind: 'none'; known: string[] };

/** The schema(s) for `segment` under `schema`; `value` (the data there) picks union options. */
export function childOf(schema: z.ZodType, segment: PathSegment, value: unknown): Child {
  const inner = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case 'object': {
      const child = def.shape?.[String(segment)];
      return child === undefined
        ? { kind: 'none', known: Object.keys(def.shape ?? {}) }
        : { kind: 'schemas', schemas: [child] };
    }
    case 'record':
      return { kind: 'record', schema: def.valueType! };
    case 'array':
      return typeof segment === 'number'
        ? { kind: 'schemas', schemas: [def.element!] }
        : { kind: 'none', known: ['<index>'] };
    case 'union': {
      const schemas: z.ZodType[] = [];
      const known = new Set<string>();
      for (const option of unionOptions(def, value)) {
        const child = childOf(option, segment, value);
        if (child.kind === 'schemas') schemas.push(...child.schemas);
        else if (child.kind === 'record') schemas.push(child.schema);
        else for (const key of child.known) known.add(key);
      }
      return schemas.length > 0 ? { kind: 'schemas', schemas } : { kind: 'none', known: [...known] };
    }
    default:
      return { kind: 'none', known: [] };
  }
}

/** The keys an object at `path` may have (union of the fitting options). */
export function knownKeys(schema: z.ZodType, path: readonly PathSegment[], root: unknown): string[] {
  let schemas = [schema];
  let value = root;
  for (const segment of path) {
    const next: z.ZodType[] = [];
    for (const current of schemas) {
      const child = childOf(current, segment, value);
      if (child.kind === 'schemas') next.push(...child.schemas);
      else if (child.kind === 'record') next.push(child.schema);
    }
    schemas = next;
    value =
      isPlainObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  const keys = new Set<string>();
  for (const current of schemas) {
    const inner = unwrap(current);
    const def = defOf(inner);
    if (def.type === 'object') for (const key of Object.keys(def.shape ?? {})) keys.add(key);
    if (def.type === 'union') {
      for (const option of unionOptions(def, value)) {
        for (const key of Object.keys(defOf(unwrap(option)).shape ?? {})) keys.add(key);
      }
    }
  }
  return [...keys];
}

export type ResolvedPath =
  | { ok: true; segments: PathSegment[] }
  | { ok: false; failedAt: number; known: string[] };

/**
 * Checks a dotted `--set` path against the schema and the current data. Numeric segments index
 * arrays (the item must exist); under a record of scalars the rest of the path is one key, so
 * `broker.settings.a.b=1` sets the setting `a.b`.
 */
export function resolveSetPath(schema: z.ZodType, parts: readonly string[], data: unknown): ResolvedPath {
  let schemas = [schema];
  let value = data;
  const segments: PathSegment[] = [];
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    const segment: PathSegment = Array.isArray(value) && /^\d+$/.test(part) ? Number(part) : part;
    if (Array.isArray(value) && (typeof segment !== 'number' || segment >= value.length)) {
      return { ok: false, failedAt: index, known: value.map((_, item) => String(item)) };
    }
    const next: z.ZodType[] = [];
    let known: string[] = [];
    let recordValue: z.ZodType | undefined;
    for (const current of schemas) {
      const child = childOf(current, segment, value);
      if (child.kind === 'schemas') next.push(...child.schemas);
      else if (child.kind === 'record') recordValue = child.schema;
      else known = [...known, ...child.known];
    }
    if (next.length === 0 && recordValue !== undefined) {
      const valueDef = defOf(unwrap(recordValue));
      if (valueDef.type !== 'object' && valueDef.type !== 'array' && valueDef.type !== 'record') {
        segments.push(parts.slice(index).join('.'));
        return { ok: true, segments };
      }
      next.push(recordValue);
    }
    if (next.length === 0) return { ok: false, failedAt: index, known };
    segments.push(segment);
    schemas = next;
    value =
      isPlainObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return { ok: true, segments };
}
