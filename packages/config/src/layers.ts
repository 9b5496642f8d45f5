import type { ValidationIssue } from '@lab/core';
import { parse as parseYamlValue } from 'yaml';
import type { IssueLocation } from './issues.js';
import { closest, isPlainObject, isUnder, type PathSegment, pathKey } from './paths.js';
import type { Provenance } from './provenance.js';
import { resolveSetPath } from './schema-walk.js';
import { SECTION_SCHEMAS, SECTIONS, type Section } from './sections.js';
import type { NodeLocation, YamlSource } from './yaml-source.js';

// How the layers are applied: each node written records where it came from (its origin), so
// every resolved value and every problem can name its file and line, or its flag.

/** Where a node of the merged configuration came from. */
export interface Origin {
  provenance: Provenance;
  key?: NodeLocation['key'];
  value?: NodeLocation['value'];
}

/** Origins by internal path key (`pathKey` of the section-qualified path). */
export type Origins = Map<string, Origin>;

export function nearestLocation(source: YamlSource, path: readonly PathSegment[]): NodeLocation {
  for (let length = path.length; length > 0; length--) {
    const location = source.locations.get(pathKey(path.slice(0, length)));
    if (location !== undefined) return location;
  }
  return { key: { line: 1, column: 1 }, value: { line: 1, column: 1 } };
}

/** Where a (section-qualified) path points: its file position or its flag; `{}` when nothing set it. */
export function locationOf(
  origins: Map<string, Origin>,
  path: readonly PathSegment[],
  at: 'key' | 'value',
): IssueLocation {
  for (let length = path.length; length > 1; length--) {
    const origin = origins.get(pathKey(path.slice(0, length)));
    if (origin === undefined) continue;
    // A missing field is reported at its parent's key; a bad value at the value itself.
    const exact = length === path.length;
    const provenance = origin.provenance;
    if (provenance.kind === 'flag') return { file: `${provenance.flag} ${provenance.argument}` };
    if (provenance.kind === 'file' || provenance.kind === 'default') {
      const position = exact && at === 'value' ? (origin.value ?? origin.key) : origin.key;
      return {
        file: provenance.file,
        ...(position === undefined ? {} : { line: position.line, column: position.column }),
      };
    }
    return {};
  }
  return {};
}

/** How an issue's location reads in a message: `file:line` or the flag. */
export function describeLocation(location: IssueLocation): string | undefined {
  if (location.file === undefined) return undefined;
  return location.line === undefined ? location.file : `${location.file}:${location.line}`;
}

/**
 * Deep-merges `source` over `target` (mappings merge key by key; lists and scalars replace; a
 * mapping with a different `type` replaces), recording the origin of every node it writes.
 */
export function merge(
  target: unknown,
  source: unknown,
  path: PathSegment[],
  origins: Map<string, Origin>,
  originFor: (path: readonly PathSegment[]) => Origin,
): unknown {
  const relative = (full: readonly PathSegment[]) => full.slice(1);
  if (
    isPlainObject(target) &&
    isPlainObject(source) &&
    !('type' in target && 'type' in source && target.type !== source.type)
  ) {
    const result: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(source)) {
      const childPath = [...path, key];
      result[key] = merge(target[key], value, childPath, origins, originFor);
      origins.set(pathKey(childPath), originFor(relative(childPath)));
    }
    return result;
  }
  const prefix = pathKey(path);
  for (const key of [...origins.keys()]) {
    if (key !== prefix && isUnder(key, prefix)) origins.delete(key);
  }
  const originAt = (at: readonly PathSegment[]) => originFor(relative(at));
  if (path.length > 1) recordTree(origins, source, path, originAt);
  else if (isPlainObject(source)) {
    for (const [key, item] of Object.entries(source)) recordTree(origins, item, [...path, key], originAt);
  }
  return structuredClone(source);
}

export function applySet(
  argument: string,
  raw: Partial<Record<Section, unknown>>,
  origins: Map<string, Origin>,
): ValidationIssue | undefined {
  const separator = argument.indexOf('=');
  const pathText = separator < 0 ? argument : argument.slice(0, separator);
  const flagIssue = (message: string, extra: Partial<ValidationIssue> = {}): ValidationIssue => ({
    path: pathText,
    file: `--set ${argument}`,
    message,
    ...extra,
  });
  if (separator < 0) return flagIssue('malformed --set', { expected: 'path=value', received: argument });
  const [sectionName, ...parts] = pathText.split('.');
  if (!(SECTIONS as readonly string[]).includes(sectionName ?? '') || parts.length === 0) {
    const suggestion = closest(sectionName ?? '', SECTIONS);
    return flagIssue(
      `--set paths start with a section${suggestion !== undefined && suggestion !== sectionName ? ` — did you mean "${suggestion}"?` : ''}`,
      { expected: `${SECTIONS.map((section) => `${section}.<field>`).join(', ')}`, received: pathText },
    );
  }
  const section = sectionName as Section;
  if (raw[section] === undefined) {
    return flagIssue(`no ${section} file was given, so there is nothing to set`, {
      expected: `a ${section} file (e.g. --test-plan)`,
    });
  }
  const resolved = resolveSetPath(SECTION_SCHEMAS[section], parts, raw[section]);
  if (!resolved.ok) {
    const bad = parts[resolved.failedAt]!;
    const suggestion = closest(bad, resolved.known);
    return flagIssue(
      `unknown field "${bad}" in ${[section, ...parts.slice(0, resolved.failedAt)].join('.')}${suggestion === undefined ? '' : ` — did you mean "${suggestion}"?`}`,
      {
        expected: resolved.known.length > 0 ? `one of ${resolved.known.join(', ')}` : 'no fields here',
        received: bad,
      },
    );
  }
  const valueText = argument.slice(separator + 1);
  let value: unknown;
  try {
    value = parseYamlValue(valueText);
  } catch (error) {
    return flagIssue(
      `the value is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      {
        received: valueText,
      },
    );
  }
  if (value === null && valueText.trim() === '') {
    return flagIssue('the value is empty', { expected: 'a value after =', received: 'nothing' });
  }
  const origin: Origin = { provenance: { kind: 'flag', flag: '--set', argument } };
  const root = structuredClone(raw[section]) as Record<string, unknown>;
  let parent: Record<string | number, unknown> = root;
  resolved.segments.forEach((segment, index) => {
    if (index === resolved.segments.length - 1) {
      parent[segment] = value;
      return;
    }
    if (!isPlainObject(parent[segment]) && !Array.isArray(parent[segment])) parent[segment] = {};
    parent = parent[segment] as Record<string | number, unknown>;
  });
  raw[section] = root;
  const target = [section, ...resolved.segments];
  const prefix = pathKey(target);
  for (const key of [...origins.keys()]) if (isUnder(key, prefix)) origins.delete(key);
  for (let length = 2; length < target.length; length++) {
    const ancestor = pathKey(target.slice(0, length));
    if (!origins.has(ancestor)) origins.set(ancestor, origin);
  }
  recordTree(origins, value, target, () => origin);
  return undefined;
}

/** Records `originAt(path)` for the node at `at` and every node below it. */
function recordTree(
  origins: Map<string, Origin>,
  value: unknown,
  at: PathSegment[],
  originAt: (path: readonly PathSegment[]) => Origin,
): void {
  origins.set(pathKey(at), originAt(at));
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      recordTree(origins, item, [...at, index], originAt);
    });
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) recordTree(origins, item, [...at, key], originAt);
  }
}
