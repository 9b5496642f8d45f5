import { createHash } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import { createEmitter, type EventSink, ValidationError, type ValidationIssue, withContext } from '@lab/core';
import { parse as parseYamlValue } from 'yaml';
import type { z } from 'zod';
import { type IssueLocation, toValidationIssues } from './issues.js';
import {
  closest,
  describeValue,
  formatPath,
  isPlainObject,
  isUnder,
  leaves,
  type PathSegment,
  pathKey,
} from './paths.js';
import { type ClusterConfig, clusterSchema } from './schema/cluster.js';
import { type InfrastructureConfig, infrastructureSchema } from './schema/infrastructure.js';
import { type TestPlan, testPlanSchema } from './schema/test-plan.js';
import { resolveSetPath } from './schema-walk.js';
import { type NodeLocation, parseYamlSource, type YamlSource } from './yaml-source.js';

/** The three kinds of configuration, in the order they are resolved. */
export const SECTIONS = ['infrastructure', 'cluster', 'testPlan'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_SCHEMAS = {
  infrastructure: infrastructureSchema,
  cluster: clusterSchema,
  testPlan: testPlanSchema,
} as const satisfies Record<Section, z.ZodType>;

export interface LabConfig {
  infrastructure: InfrastructureConfig;
  cluster: ClusterConfig;
  /** Present when a test plan file was given. */
  testPlan?: TestPlan;
}

/** Where a resolved value came from. */
export type Provenance =
  | { kind: 'default' }
  | { kind: 'file'; file: string; line: number; column: number }
  | { kind: 'flag'; flag: '--set' | '--tag'; argument: string };

/** `default`, `file:<path>:<line>` or `flag:--set` / `flag:--tag`. */
export function provenanceLabel(provenance: Provenance): string {
  switch (provenance.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `file:${provenance.file}:${provenance.line}`;
    case 'flag':
      return `flag:${provenance.flag}`;
  }
}

export interface ProvenanceEntry {
  /** Section-qualified dotted path, e.g. `infrastructure.roles.broker.count`. */
  path: string;
  segments: PathSegment[];
  value: unknown;
  provenance: Provenance;
}

export interface ConfigFileSource {
  section: Section;
  /** Shown in errors and provenance. */
  file: string;
  /** The file's text; read from `file` when absent. */
  text?: string;
}

export interface ResolveOptions {
  /** Config files, applied in order after the built-in defaults (later wins). */
  files?: readonly ConfigFileSource[];
  /** `--set path=value` arguments, applied after the files; values are YAML. */
  set?: readonly string[];
  /** `--tag Key=Value` arguments: user tags added to `infrastructure.tags`, applied last. */
  tags?: readonly string[];
  readFile?: (file: string) => Promise<string>;
  events?: EventSink;
}

export interface ResolvedConfig {
  config: LabConfig;
  /** One entry per leaf value, in path order. */
  provenance: readonly ProvenanceEntry[];
  /** sha256 of the canonical JSON of `config`: equal configs, equal digests. */
  digest: string;
  /** The provenance table printed by `lab-orchestrate config --explain`. */
  explain(options?: { section?: Section }): string;
}

interface Origin {
  provenance: Provenance;
  key?: NodeLocation['key'];
  value?: NodeLocation['value'];
}

type Sources = Omit<ResolveOptions, 'readFile' | 'files'> & {
  files?: ReadonlyArray<ConfigFileSource & { text: string }>;
};

/**
 * Resolves the lab's configuration in its one documented order: built-in defaults → config files
 * (in the order given) → `--set` → `--tag`. Every problem of every layer is reported at once as a
 * ValidationError whose issues carry file:line:column, the field path, what was expected and what
 * was found.
 */
export async function resolveConfig(options: ResolveOptions = {}): Promise<ResolvedConfig> {
  const read = options.readFile ?? ((file: string) => fsReadFile(file, 'utf8'));
  const files = await Promise.all(
    (options.files ?? []).map(async (source) => {
      if (source.text !== undefined) return { ...source, text: source.text };
      try {
        return { ...source, text: await read(source.file) };
      } catch (error) {
        throw withContext(error, `Reading ${source.section} config ${source.file}`, {
          hint: 'Check the path; config files are given relative to the current directory',
        });
      }
    }),
  );
  return resolveConfigSources({ ...options, files });
}

/** `resolveConfig` for texts already in memory (no file system). */
export function resolveConfigSources(options: Sources): ResolvedConfig {
  const emitter = createEmitter({ source: '@lab/config', sink: options.events });
  const issues: ValidationIssue[] = [];
  const raw: Partial<Record<Section, unknown>> = { infrastructure: {}, cluster: {} };
  const origins = new Map<string, Origin>();

  const parsed: Array<{ section: Section; source: YamlSource }> = [];
  for (const file of options.files ?? []) {
    try {
      parsed.push({ section: file.section, source: parseYamlSource(file.text, { file: file.file }) });
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length > 0) throw invalid(issues);

  for (const { section, source } of parsed) {
    if (!isPlainObject(source.value)) {
      issues.push({
        path: section,
        file: source.file,
        line: 1,
        column: 1,
        message: `a ${section} file must be a mapping of fields`,
        expected: 'a mapping',
        received: describeValue(source.value),
      });
      continue;
    }
    const originFor = (path: readonly PathSegment[]): Origin => {
      const location = nearestLocation(source, path);
      return {
        provenance: { kind: 'file', file: source.file, line: location.key.line, column: location.key.column },
        key: location.key,
        value: location.value,
      };
    };
    raw[section] = merge(raw[section] ?? {}, source.value, [section], origins, originFor);
    emitter.emit('file.loaded', `Loaded ${section} config ${source.file}`, { section, file: source.file });
  }

  for (const argument of options.set ?? []) {
    const applied = applySet(argument, raw, origins);
    if (applied !== undefined) issues.push(applied);
  }
  for (const argument of options.tags ?? []) {
    const separator = argument.indexOf('=');
    const key = separator < 0 ? '' : argument.slice(0, separator);
    if (separator < 0 || key.trim() === '') {
      issues.push({
        path: 'infrastructure.tags',
        file: '--tag',
        message: `malformed --tag ${JSON.stringify(argument)}`,
        expected: 'Key=Value',
        received: argument,
      });
      continue;
    }
    const value = argument.slice(separator + 1);
    const origin: Origin = { provenance: { kind: 'flag', flag: '--tag', argument } };
    raw.infrastructure = merge(
      raw.infrastructure,
      { tags: { [key]: value } },
      ['infrastructure'],
      origins,
      () => origin,
    );
  }
  // Flag problems do not stop here: the files are still validated so every problem shows at once.

  const config: Partial<LabConfig> = {};
  const locate =
    (section: Section) =>
    (path: readonly PathSegment[], at: 'key' | 'value'): IssueLocation =>
      locationOf(origins, [section, ...path], at);
  for (const section of SECTIONS) {
    if (raw[section] === undefined) continue;
    const schema = SECTION_SCHEMAS[section];
    const result = schema.safeParse(raw[section]);
    if (result.success) {
      (config as Record<Section, unknown>)[section] = result.data;
    } else {
      issues.push(
        ...toValidationIssues(result.error.issues, {
          schema,
          data: raw[section],
          displayPrefix: [section],
          locate: locate(section),
        }),
      );
    }
  }
  if (issues.length > 0) throw invalid(issues);

  const lab = config as LabConfig;
  issues.push(...crossSectionIssues(lab, origins));
  if (issues.length > 0) throw invalid(issues);

  const provenance: ProvenanceEntry[] = [];
  for (const section of SECTIONS) {
    if (lab[section] === undefined) continue;
    for (const [path, value] of leaves(lab[section], [section])) {
      provenance.push({
        path: formatPath(path),
        segments: path,
        value,
        provenance: origins.get(pathKey(path))?.provenance ?? { kind: 'default' },
      });
    }
  }
  const digest = configDigest(lab);
  emitter.emit('resolved', `Configuration resolved (digest ${digest.slice(0, 12)})`, {
    digest,
    files: parsed.map(({ source }) => source.file),
    set: options.set ?? [],
    tags: options.tags ?? [],
  });
  return {
    config: lab,
    provenance,
    digest,
    explain: (explainOptions = {}) =>
      formatProvenance(
        explainOptions.section === undefined
          ? provenance
          : provenance.filter((entry) => entry.segments[0] === explainOptions.section),
      ),
  };
}

/**
 * Parses and validates one config file of `section` on its own (built-in defaults filled in).
 * Throws a ValidationError with positions.
 */
export function parseConfigText<S extends Section>(
  section: S,
  text: string,
  options: { file: string },
): NonNullable<LabConfig[S]> {
  const issues: ValidationIssue[] = [];
  let source: YamlSource;
  try {
    source = parseYamlSource(text, options);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw withContext(error, `Parsing ${options.file}`);
  }
  const schema = SECTION_SCHEMAS[section];
  const result = schema.safeParse(source.value);
  if (result.success) return result.data as NonNullable<LabConfig[S]>;
  issues.push(
    ...toValidationIssues(result.error.issues, {
      schema,
      data: source.value,
      displayPrefix: [],
      locate: (path, at) => {
        const location = nearestLocation(source, path);
        const exact = source.locations.get(pathKey(path));
        const position = exact !== undefined && at === 'value' ? location.value : location.key;
        return { file: source.file, line: position.line, column: position.column };
      },
    }),
  );
  throw invalid(issues, options.file);
}

/** Reads and validates one config file of `section`. */
export async function loadConfigFile<S extends Section>(
  section: S,
  file: string,
  readFile: (file: string) => Promise<string> = (path) => fsReadFile(path, 'utf8'),
): Promise<NonNullable<LabConfig[S]>> {
  let text: string;
  try {
    text = await readFile(file);
  } catch (error) {
    throw withContext(error, `Reading ${section} config ${file}`);
  }
  return parseConfigText(section, text, { file });
}

/** JSON with object keys sorted at every level: the input of `configDigest`. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isPlainObject(item)
      ? Object.fromEntries(
          Object.keys(item)
            .sort()
            .map((key) => [key, item[key]]),
        )
      : item,
  );
}

/** sha256 (hex) of the canonical JSON of `value`. */
export function configDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** A plain-text table of path, value and source, one line per leaf. */
export function formatProvenance(entries: readonly ProvenanceEntry[]): string {
  const rows = entries.map((entry) => [
    entry.path,
    renderValue(entry.value),
    provenanceLabel(entry.provenance),
  ]);
  const header = ['PATH', 'VALUE', 'SOURCE'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '""' : value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function invalid(issues: ValidationIssue[], what = 'configuration'): ValidationError {
  return new ValidationError(`Invalid ${what}: ${issues.length} problem(s)`, issues, {
    hint: 'Fix the fields listed; `lab-orchestrate config --explain` shows where each value comes from',
  });
}

function nearestLocation(source: YamlSource, path: readonly PathSegment[]): NodeLocation {
  for (let length = path.length; length > 0; length--) {
    const location = source.locations.get(pathKey(path.slice(0, length)));
    if (location !== undefined) return location;
  }
  return { key: { line: 1, column: 1 }, value: { line: 1, column: 1 } };
}

function locationOf(
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
    if (provenance.kind === 'file') {
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

/**
 * Deep-merges `source` over `target` (mappings merge key by key; lists and scalars replace; a
 * mapping with a different `type` replaces), recording the origin of every node it writes.
 */
function merge(
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

function applySet(
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

function crossSectionIssues(config: LabConfig, origins: Map<string, Origin>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const bookies = config.infrastructure.roles.bookkeeper.count;
  const quorum = config.cluster.managedLedger;
  if (quorum.ensembleSize > bookies) {
    const path = ['cluster', 'managedLedger', 'ensembleSize'];
    issues.push({
      path: formatPath(path),
      ...locationOf(origins, path, 'value'),
      message: `the ensemble cannot be larger than the number of bookies (infrastructure.roles.bookkeeper.count = ${bookies})`,
      expected: `at most ${bookies}`,
      received: String(quorum.ensembleSize),
    });
  }
  return issues;
}
