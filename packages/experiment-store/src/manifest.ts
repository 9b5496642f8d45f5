import type { ValidationIssue } from '@lab/core';
import { AWS_REGION_PATTERN } from '@lab/core/aws';
import { z } from 'zod';
import { ManifestCorruptError, ManifestTooNewError } from './errors.js';

/** The manifest schema this version writes; older ones are migrated on read (`MANIFEST_MIGRATIONS`). */
export const MANIFEST_SCHEMA_VERSION = 2;

/** Where an experiment's cluster lives: AWS, or this machine (the local rehearsal). */
export const TARGETS = ['aws', 'local'] as const;
export type Target = (typeof TARGETS)[number];

export const PHASE_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped'] as const;
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

/** The lifecycle phases every new experiment starts with, in order. Others can be added. */
export const DEFAULT_PHASES = ['setup', 'run', 'report', 'teardown'] as const;

export const OUTCOME_RESULTS = ['succeeded', 'failed', 'aborted'] as const;
export type OutcomeResult = (typeof OUTCOME_RESULTS)[number];

const PHASE_NAME = /^[a-z][a-z0-9-]{0,31}$/;
// AWS resource types as the lab names them: `instance`, `vpc`, `nat-gateway`, `iam-role` …
const RESOURCE_TYPE = /^[a-z][a-z0-9-]{0,63}$/;

const isoTime = z.iso.datetime();
const errorRecord = z.strictObject({
  code: z.string().min(1),
  message: z.string(),
  hint: z.string().optional(),
});
const phaseRecord = z.strictObject({
  status: z.enum(PHASE_STATUSES),
  startedAt: isoTime.optional(),
  endedAt: isoTime.optional(),
  error: errorRecord.optional(),
});

/** The manifest without its `schemaVersion`, which the codec checks itself. */
const manifestBody = z
  .strictObject({
    id: z.string().min(1),
    name: z.string().min(1).max(200),
    createdAt: isoTime,
    target: z.enum(TARGETS),
    tags: z.record(z.string(), z.string()),
    /** The AWS regions of its resources; none for a local experiment. */
    regions: z.array(z.string().regex(AWS_REGION_PATTERN)),
    configDigest: z.string().min(1).max(256),
    phases: z.record(z.string().regex(PHASE_NAME), phaseRecord),
    terraform: z.strictObject({ stateDir: z.string().min(1) }),
    resources: z.record(
      z.string().regex(AWS_REGION_PATTERN),
      z.record(z.string().regex(RESOURCE_TYPE), z.array(z.string().min(1))),
    ),
    resourcesGone: z.strictObject({ at: isoTime, by: z.string().min(1) }).nullable(),
    outcome: z
      .strictObject({
        result: z.enum(OUTCOME_RESULTS),
        at: isoTime,
        message: z.string().optional(),
        error: errorRecord.optional(),
      })
      .nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .check((ctx) => {
    const { target, regions } = ctx.value;
    if ((target === 'aws') !== regions.length > 0) {
      ctx.issues.push({
        code: 'custom',
        input: regions,
        path: ['regions'],
        message:
          target === 'aws'
            ? 'an AWS experiment has at least one region'
            : 'a local experiment has no regions',
      });
    }
  });

export type ErrorRecord = z.infer<typeof errorRecord>;
export type PhaseRecord = z.infer<typeof phaseRecord>;
export type Outcome = NonNullable<z.infer<typeof manifestBody>['outcome']>;

/** What `manifest.json` holds. */
export interface Manifest extends z.infer<typeof manifestBody> {
  schemaVersion: number;
}

/** One step from `from` to `from + 1`, on the raw JSON document. */
export interface ManifestMigration {
  from: number;
  description: string;
  migrate(document: Record<string, unknown>): Record<string, unknown>;
}

/** The real migrations, oldest first. */
export const MANIFEST_MIGRATIONS: readonly ManifestMigration[] = [
  {
    from: 1,
    description: 'records the target; every version 1 experiment was on AWS',
    migrate: (document) => ({ ...document, target: 'aws' }),
  },
];

export interface ManifestSchema {
  version: number;
  migrations: readonly ManifestMigration[];
}

export const CURRENT_SCHEMA: ManifestSchema = {
  version: MANIFEST_SCHEMA_VERSION,
  migrations: MANIFEST_MIGRATIONS,
};

export interface ParsedManifest {
  manifest: Manifest;
  /** The version the file had when it was older than the current one. */
  migratedFrom?: number;
}

export function isValidPhaseName(name: string): boolean {
  return PHASE_NAME.test(name);
}

export function isValidRegion(region: string): boolean {
  return AWS_REGION_PATTERN.test(region);
}

export function isValidResourceType(type: string): boolean {
  return RESOURCE_TYPE.test(type);
}

/**
 * Parses a manifest file's text. Unparseable JSON, a missing or invalid `schemaVersion`, a
 * shape that does not match, or a missing migration step is a `ManifestCorruptError`; a version
 * newer than `schema.version` is a `ManifestTooNewError`. An older version is migrated step by step.
 */
export function parseManifest(
  text: string,
  path: string,
  schema: ManifestSchema = CURRENT_SCHEMA,
): ParsedManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ManifestCorruptError(
      path,
      `${path} is not valid JSON (${text.length === 0 ? 'the file is empty' : message})`,
      [{ path: '', file: path, message: 'not valid JSON', expected: 'a JSON object' }],
      { cause: error },
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ManifestCorruptError(path, `${path} is not a JSON object`, [
      { path: '', file: path, message: 'not an object', expected: 'a JSON object', received: describe(raw) },
    ]);
  }
  const document = raw as Record<string, unknown>;
  const version = document.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new ManifestCorruptError(path, `${path} has no valid schemaVersion`, [
      {
        path: 'schemaVersion',
        file: path,
        message: 'missing or invalid schema version',
        expected: 'a positive integer',
        received: describe(version),
      },
    ]);
  }
  if (version > schema.version) throw new ManifestTooNewError(path, version, schema.version);
  const upgraded = version < schema.version ? upgradeDocument(document, version, path, schema) : document;
  const { schemaVersion: _version, ...body } = upgraded;
  const result = manifestBody.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue): ValidationIssue => ({
        path: issue.path.map(String).join('.'),
        file: path,
        message: issue.message,
        ...('expected' in issue && typeof issue.expected === 'string' ? { expected: issue.expected } : {}),
      }),
    );
    throw new ManifestCorruptError(
      path,
      `${path} does not match manifest schema version ${schema.version}: ${issues.length} problem(s)${version < schema.version ? ` after migrating from version ${version}` : ''}`,
      issues,
    );
  }
  return {
    manifest: { schemaVersion: schema.version, ...result.data },
    ...(version < schema.version ? { migratedFrom: version } : {}),
  };
}

/** Applies each migration from `version` up to `schema.version`, in order. */
export function upgradeDocument(
  document: Record<string, unknown>,
  version: number,
  path: string,
  schema: ManifestSchema,
): Record<string, unknown> {
  let current = document;
  for (let from = version; from < schema.version; from++) {
    const step = schema.migrations.find((migration) => migration.from === from);
    if (step === undefined) {
      throw new ManifestCorruptError(
        path,
        `${path} has schema version ${version} and no migration from version ${from} exists`,
        [
          {
            path: 'schemaVersion',
            file: path,
            message: 'unsupported old schema version',
            received: String(version),
          },
        ],
        { hint: 'This version of the lab cannot read the experiment; the file was left untouched' },
      );
    }
    try {
      current = { ...step.migrate(structuredClone(current)), schemaVersion: from + 1 };
    } catch (error) {
      throw new ManifestCorruptError(
        path,
        `Migrating ${path} from schema version ${from} (${step.description}) failed: ${error instanceof Error ? error.message : String(error)}`,
        [{ path: '', file: path, message: 'migration failed' }],
        { cause: error },
      );
    }
  }
  return current;
}

/** Checks a manifest a mutator produced, before it is written. */
export function validateManifest(
  manifest: Manifest,
  path: string,
  schema: ManifestSchema = CURRENT_SCHEMA,
): Manifest {
  return parseManifest(JSON.stringify(manifest), path, schema).manifest;
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Where an experiment is in its life, as `list` shows it. */
export type ExperimentStatus =
  /** Created; no phase has started. */
  | 'created'
  /** A phase is running and a live process holds the lock. */
  | 'running'
  /** A phase is marked running but no live process holds the lock: the process died. */
  | 'interrupted'
  /** Some phases are done, none is running, and there is no outcome yet. */
  | 'in-progress'
  | 'succeeded'
  | 'failed'
  | 'aborted'
  /** The manifest cannot be read (corrupt, or written by a newer lab). */
  | 'unreadable'
  /** The directory exists without a manifest (a create that died before writing one). */
  | 'incomplete';

export function deriveStatus(manifest: Manifest, heldByLiveProcess: boolean): ExperimentStatus {
  if (manifest.outcome !== null) return manifest.outcome.result;
  const statuses = Object.values(manifest.phases).map((phase) => phase.status);
  if (statuses.includes('running')) return heldByLiveProcess ? 'running' : 'interrupted';
  if (statuses.includes('failed')) return 'failed';
  if (statuses.every((status) => status === 'pending')) return heldByLiveProcess ? 'running' : 'created';
  return heldByLiveProcess ? 'running' : 'in-progress';
}

/**
 * Whether cloud resources of the experiment may still exist. False only when teardown
 * succeeded, when cleanup verified them gone (`resourcesGone`), or when nothing can have been
 * created: no phase ever started and no resource id was recorded. This relies on the contract
 * that a phase is started before any cloud resource is created.
 */
export function resourcesMayBeAlive(manifest: Manifest): boolean {
  if (manifest.resourcesGone !== null) return false;
  if (manifest.phases.teardown?.status === 'succeeded') return false;
  const started = Object.values(manifest.phases).some(
    (phase) => phase.status !== 'pending' && phase.status !== 'skipped',
  );
  const recorded = Object.values(manifest.resources).some((byType) =>
    Object.values(byType).some((ids) => ids.length > 0),
  );
  return started || recorded;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}
