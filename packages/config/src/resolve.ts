import { createHash } from 'node:crypto';
import { readFile as fsReadFile } from 'node:fs/promises';
import { createEmitter, type EventSink, ValidationError, type ValidationIssue, withContext } from '@lab/core';
import { type IssueLocation, toValidationIssues } from './issues.js';
import { applySet, locationOf, merge, nearestLocation, type Origin, type Origins } from './layers.js';
import { describeValue, formatPath, isPlainObject, leaves, type PathSegment, pathKey } from './paths.js';
import { formatProvenance, type Provenance, type ProvenanceEntry } from './provenance.js';
import { quorumIssues } from './quorum.js';
import { type LabConfig, SECTION_SCHEMAS, SECTIONS, type Section } from './sections.js';
import { type DefaultsSource, shippedDefaults } from './shipped.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export interface ConfigFileSource {
  section: Section;
  /** Shown in errors and provenance. */
  file: string;
  /** The file's text; read from `file` when absent. */
  text?: string;
}

export interface ResolveOptions {
  /** Config files, applied in order after the defaults (later wins). */
  files?: readonly ConfigFileSource[];
  /** `--set path=value` arguments, applied after the files; values are YAML. */
  set?: readonly string[];
  /** `--tag Key=Value` arguments: user tags added to `infrastructure.tags`, applied last. */
  tags?: readonly string[];
  /**
   * The defaults layer: one complete file per section that has one. Default: the shipped
   * `configs/infrastructure/default.yaml` and `configs/cluster/default.yaml` (`shippedDefaults()`).
   */
  defaults?: readonly DefaultsSource[];
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

type Sources = Omit<ResolveOptions, 'readFile' | 'files'> & {
  files?: ReadonlyArray<ConfigFileSource & { text: string }>;
};

/**
 * Resolves the lab's configuration in its one documented order: the shipped defaults files →
 * config files (in the order given) → `--set` → `--tag`. Every problem of every layer is reported
 * at once as a ValidationError whose issues carry file:line:column, the field path, what was
 * expected and what was found.
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

/** `resolveConfig` for texts already in memory (the shipped defaults are read once per process). */
export function resolveConfigSources(options: Sources): ResolvedConfig {
  const emitter = createEmitter({ source: '@lab/config', sink: options.events });
  const layered = layer({
    defaults: options.defaults ?? shippedDefaults(),
    files: options.files ?? [],
    set: options.set ?? [],
    tags: options.tags ?? [],
    prefixPaths: true,
  });
  for (const file of layered.loaded) {
    emitter.emit(
      'file.loaded',
      `Loaded ${file.section} ${file.isDefault ? 'defaults' : 'config'} ${file.file}`,
      { ...file },
    );
  }
  const { config, origins } = validate(layered, { prefixPaths: true });
  const lab = config as LabConfig;
  const crossSection = quorumIssues(lab, origins);
  if (crossSection.length > 0) throw invalid(crossSection);

  const provenance: ProvenanceEntry[] = [];
  for (const section of SECTIONS) {
    if (lab[section] === undefined) continue;
    for (const [path, value] of leaves(lab[section], [section])) {
      provenance.push({
        path: formatPath(path),
        segments: path,
        value,
        provenance: origins.get(pathKey(path))?.provenance ?? SCHEMA_DEFAULT,
      });
    }
  }
  const digest = configDigest(lab);
  emitter.emit('resolved', `Configuration resolved (digest ${digest.slice(0, 12)})`, {
    digest,
    files: layered.loaded.filter((file) => !file.isDefault).map((file) => file.file),
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
 * Parses and validates one config file of `section` on its own, over the defaults of its section
 * (the shipped defaults file, or `options.defaults`); a test plan has no defaults file. Paths in
 * errors are relative to the file (`roles.zookeeper.count`). Throws a ValidationError with
 * positions.
 */
export function parseConfigText<S extends Section>(
  section: S,
  text: string,
  options: { file: string; defaults?: readonly DefaultsSource[] },
): NonNullable<LabConfig[S]> {
  const layered = layer({
    defaults: (options.defaults ?? shippedDefaults()).filter((source) => source.section === section),
    files: [{ section, file: options.file, text }],
    set: [],
    tags: [],
    only: section,
    prefixPaths: false,
  });
  const { config } = validate(layered, { prefixPaths: false, what: options.file });
  return config[section] as NonNullable<LabConfig[S]>;
}

/** Reads and validates one config file of `section` (over the defaults of its section). */
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

const SCHEMA_DEFAULT: Provenance = { kind: 'schema' };

interface Layered {
  raw: Partial<Record<Section, unknown>>;
  origins: Origins;
  /** Problems of the flags; the files are still validated so every problem shows at once. */
  issues: ValidationIssue[];
  loaded: Array<{ section: Section; file: string; isDefault: boolean }>;
  /** Where a problem nothing else locates is reported: the start of the section's last file. */
  fallback: Partial<Record<Section, IssueLocation>>;
}

/** Applies the layers in order, recording the origin of every node. */
function layer(input: {
  defaults: readonly DefaultsSource[];
  files: ReadonlyArray<ConfigFileSource & { text: string }>;
  set: readonly string[];
  tags: readonly string[];
  /** Resolve this section alone (one file on its own). */
  only?: Section;
  /** Section-qualified paths in issues (`infrastructure.region`), else relative to the file. */
  prefixPaths: boolean;
}): Layered {
  const issues: ValidationIssue[] = [];
  const raw: Partial<Record<Section, unknown>> = {};
  const origins: Origins = new Map();
  const loaded: Layered['loaded'] = [];
  const fallback: Layered['fallback'] = {};
  const sources: Array<{ section: Section; source: YamlSource; isDefault: boolean }> = [];
  for (const file of [
    ...input.defaults.map((source) => ({ ...source, isDefault: true })),
    ...input.files.map((source) => ({ ...source, isDefault: false })),
  ]) {
    try {
      sources.push({
        section: file.section,
        source: parseYamlSource(file.text, { file: file.file }),
        isDefault: file.isDefault,
      });
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length > 0) throw invalid(issues);

  for (const section of SECTIONS) {
    if (section !== 'testPlan' && (input.only === undefined || input.only === section)) raw[section] = {};
  }
  for (const { section, source, isDefault } of sources) {
    fallback[section] = { file: source.file, line: 1, column: 1 };
    if (!isPlainObject(source.value)) {
      issues.push({
        path: input.prefixPaths ? section : '',
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
      const position = { file: source.file, line: location.key.line, column: location.key.column };
      return {
        provenance: isDefault ? { kind: 'default', ...position } : { kind: 'file', ...position },
        key: location.key,
        value: location.value,
      };
    };
    raw[section] = merge(raw[section] ?? {}, source.value, [section], origins, originFor);
    loaded.push({ section, file: source.file, isDefault });
  }

  for (const argument of input.set) {
    const applied = applySet(argument, raw, origins);
    if (applied !== undefined) issues.push(applied);
  }
  for (const argument of input.tags) {
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
    const origin: Origin = { provenance: { kind: 'flag', flag: '--tag', argument } };
    raw.infrastructure = merge(
      raw.infrastructure,
      { tags: { [key]: argument.slice(separator + 1) } },
      ['infrastructure'],
      origins,
      () => origin,
    );
  }
  return { raw, origins, issues, loaded, fallback };
}

/** Validates every layered section against its schema; throws every problem at once. */
function validate(
  layered: Layered,
  options: { prefixPaths: boolean; what?: string },
): { config: Partial<LabConfig>; origins: Origins } {
  const { raw, origins } = layered;
  const issues = [...layered.issues];
  const config: Partial<LabConfig> = {};
  for (const section of SECTIONS) {
    if (raw[section] === undefined) continue;
    const schema = SECTION_SCHEMAS[section];
    const result = schema.safeParse(raw[section]);
    if (result.success) {
      (config as Record<Section, unknown>)[section] = result.data;
      continue;
    }
    issues.push(
      ...toValidationIssues(result.error.issues, {
        schema,
        data: raw[section],
        displayPrefix: options.prefixPaths ? [section] : [],
        locate: (path, at) => {
          const location = locationOf(origins, [section, ...path], at);
          return location.file === undefined ? (layered.fallback[section] ?? {}) : location;
        },
      }),
    );
  }
  if (issues.length > 0) throw invalid(issues, options.what);
  return { config, origins };
}

function invalid(issues: ValidationIssue[], what = 'configuration'): ValidationError {
  return new ValidationError(`Invalid ${what}: ${issues.length} problem(s)`, issues, {
    hint: 'Fix the fields listed; `lab-orchestrate config --explain` shows where each value comes from',
  });
}
