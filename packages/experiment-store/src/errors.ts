import { LabError, type LabErrorOptions, type ValidationIssue } from '@lab/core';

/** Who holds an experiment's lock, as written in its lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO-8601 time the holder took the lock (from its clock). */
  startedAt: string;
  /** What the holder is doing, e.g. `lab-orchestrate full`. */
  purpose?: string;
}

/** No experiment matches the reference (`latest`, an id or a prefix). */
export class ExperimentNotFoundError extends LabError {
  readonly ref: string;
  constructor(ref: string, message: string, options: LabErrorOptions = {}) {
    super('EXPERIMENT_NOT_FOUND', message, { ...options, details: { ref, ...options.details } });
    this.ref = ref;
  }
}

/** A prefix matches more than one experiment. */
export class AmbiguousExperimentError extends LabError {
  readonly ref: string;
  readonly candidates: readonly string[];
  constructor(ref: string, candidates: readonly string[]) {
    super(
      'EXPERIMENT_AMBIGUOUS',
      `"${ref}" matches ${candidates.length} experiments: ${candidates.join(', ')}`,
      {
        hint: 'Give more characters of the id, or the full id',
        details: { ref, candidates: [...candidates] },
      },
    );
    this.ref = ref;
    this.candidates = candidates;
  }
}

/** A user-chosen id is already taken. */
export class ExperimentExistsError extends LabError {
  readonly id: string;
  constructor(id: string, path: string) {
    super('EXPERIMENT_EXISTS', `Experiment ${id} already exists at ${path}`, {
      hint: 'Choose another id, or omit it to get a generated exp-YYYYMMDD-HHMMSS id',
      details: { id, path },
    });
    this.id = id;
  }
}

/** Another process holds the experiment's lock. */
export class ExperimentLockedError extends LabError {
  readonly lockPath: string;
  /** Undefined when the lock file could not be read. */
  readonly holder: LockHolder | undefined;
  constructor(
    lockPath: string,
    holder: LockHolder | undefined,
    message: string,
    options: LabErrorOptions = {},
  ) {
    super('EXPERIMENT_LOCKED', message, {
      ...options,
      details: { lockPath, ...(holder === undefined ? {} : { holder }), ...options.details },
    });
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

/** A manifest (or cache file) that cannot be parsed or does not match its schema. Never overwritten. */
export class ManifestCorruptError extends LabError {
  readonly path: string;
  readonly issues: readonly ValidationIssue[];
  constructor(
    path: string,
    message: string,
    issues: readonly ValidationIssue[],
    options: LabErrorOptions = {},
  ) {
    super('MANIFEST_CORRUPT', message, {
      hint:
        options.hint ??
        `The file was left untouched. Inspect ${path}; restore it from a backup or move the experiment directory aside`,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      details: { path, issues, ...options.details },
    });
    this.path = path;
    this.issues = issues;
  }
}

/** A manifest written by a newer version of the lab. Never overwritten. */
export class ManifestTooNewError extends LabError {
  readonly path: string;
  readonly found: number;
  readonly supported: number;
  constructor(path: string, found: number, supported: number) {
    super(
      'MANIFEST_TOO_NEW',
      `${path} has schema version ${found}; this version of the lab understands up to ${supported}`,
      {
        hint: 'Upgrade pulsar-aws-lab to read this experiment; the file was left untouched',
        details: { path, found, supported },
      },
    );
    this.path = path;
    this.found = found;
    this.supported = supported;
  }
}
