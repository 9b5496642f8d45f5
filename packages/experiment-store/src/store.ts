import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve as resolvePath } from 'node:path';
import {
  assertExperimentId,
  assertValidTags,
  type Clock,
  createEmitter,
  type EventSink,
  errorMessage,
  formatExperimentId,
  isLabError,
  LabError,
  nullSink,
  parseExperimentId,
  type Sleep,
  systemClock,
  type TagMap,
  ValidationError,
  type ValidationIssue,
  withContext,
} from '@lab/core';
import { type AmiCache, createAmiCache, DEFAULT_AMI_CACHE_TTL_MS } from './ami-cache.js';
import { fsyncDir, isErrno, writeFileAtomic } from './atomic.js';
import {
  AmbiguousExperimentError,
  ExperimentExistsError,
  ExperimentNotFoundError,
  type LockHolder,
} from './errors.js';
import { EVENT_SOURCE, Experiment, type ExperimentContext, TERRAFORM_DIR } from './experiment.js';
import { acquireLock, inspectLock, type LockHandle } from './lock.js';
import {
  CURRENT_SCHEMA,
  DEFAULT_PHASES,
  deriveStatus,
  type ExperimentStatus,
  isValidPhaseName,
  isValidRegion,
  type Manifest,
  type ManifestSchema,
  resourcesMayBeAlive,
  serializeManifest,
  type Target,
} from './manifest.js';

/** The environment variable that moves the store's home. */
export const HOME_ENV = 'PULSAR_AWS_LAB_HOME';
export const LATEST = 'latest';
export const AMI_CACHE_DIR = 'ami-cache';
/** Names in the home that are not experiments; user-chosen ids may not take them. */
export const RESERVED_NAMES: readonly string[] = [LATEST, AMI_CACHE_DIR];

export interface StoreOptions {
  /** The store's directory. Default: `$PULSAR_AWS_LAB_HOME`, else `~/.pulsar-aws-lab`. */
  home?: string;
  clock?: Clock;
  /** Receives the store's events (created, lock taken over, gc …). */
  events?: EventSink;
  /** How long a write waits for another process's lock before failing. Default 0: fail at once. */
  lockWaitMs?: number;
  /** Time-to-live of AMI cache entries. Default 24 h. */
  amiCacheTtlMs?: number;
  sleep?: Sleep;
  /** Where `home` defaults come from. Default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface CreateExperimentInput {
  name: string;
  /** Default `aws`. */
  target?: Target;
  /** The AWS regions it will use; none for a local experiment. */
  regions: readonly string[];
  /** Digest of the resolved configuration, e.g. `sha256:…`. */
  configDigest: string;
  tags?: TagMap;
  /** A user-chosen id; default: a generated `exp-YYYYMMDD-HHMMSS[-N]`. */
  id?: string;
  /** Lifecycle phases, in order. Default: setup, run, report, teardown. */
  phases?: readonly string[];
  /** Free-form facts to keep in the manifest (test plan, AMI id …); JSON-serialisable. */
  details?: Record<string, unknown>;
  /** Shown to another process that finds the new experiment locked. */
  purpose?: string;
}

/** One row of `list`, for a table or JSON. */
export interface ExperimentRow {
  id: string;
  name: string | undefined;
  status: ExperimentStatus;
  createdAt: string | undefined;
  ageMs: number | undefined;
  target: Target | undefined;
  regions: string[];
  /** True unless teardown succeeded, cleanup verified the resources gone, or nothing was started. Unknown → true. */
  resourcesMayBeAlive: boolean;
  /** The live (or, on another host, possibly live) process holding the lock. */
  lockedBy: LockHolder | undefined;
  /** Why the manifest could not be read, for `unreadable` and `incomplete`. */
  problem: { code: string; message: string } | undefined;
}

export interface GcOptions {
  /** Only experiments created more than this long ago are candidates. */
  olderThanMs: number;
  /** Remove for real. Default false: only the plan. */
  execute?: boolean;
}

export interface GcEntry {
  id: string;
  ageMs: number | undefined;
  reason: string;
}

export interface GcPlan {
  executed: boolean;
  olderThanMs: number;
  /** Experiments gc removes (or, in a dry run, would remove). */
  remove: GcEntry[];
  /** Experiments gc leaves, with why. */
  keep: GcEntry[];
  /** Ids actually removed (empty in a dry run). */
  removed: string[];
  /** Ids that were to be removed but could not be, with why. */
  failed: { id: string; code: string; message: string }[];
}

export interface OpenOptions {
  /** Take the experiment's lock for the life of the handle. */
  lock?: boolean;
  purpose?: string;
}

export interface ExperimentStore {
  readonly home: string;
  readonly amiCache: AmiCache;
  /** Creates an experiment and moves `latest` to it. The handle holds the experiment's lock: `release()` it. */
  create(input: CreateExperimentInput): Promise<Experiment>;
  /** Resolves `latest`, a full id, or a unique prefix of one to an id. */
  resolve(ref: string): Promise<string>;
  /** `resolve`, then a handle; with `lock: true` it holds the experiment's lock. */
  open(ref: string, options?: OpenOptions): Promise<Experiment>;
  /** Where `latest` points, or undefined when no experiment was created yet. */
  latest(): Promise<string | undefined>;
  /** Every experiment, newest first. */
  list(): Promise<ExperimentRow[]>;
  /** Plans (and with `execute: true` performs) the removal of old experiments whose resources are known gone. */
  gc(options: GcOptions): Promise<GcPlan>;
}

export function defaultHome(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env[HOME_ENV];
  return fromEnv !== undefined && fromEnv !== '' ? resolvePath(fromEnv) : join(homedir(), '.pulsar-aws-lab');
}

/** Opens the store. Nothing is read or created until a method needs it. */
export function openStore(options: StoreOptions = {}): ExperimentStore {
  return openStoreWithSchema(options, CURRENT_SCHEMA);
}

/** @internal `openStore` with another manifest schema; tests use it to exercise migrations. */
export function openStoreWithSchema(options: StoreOptions, schema: ManifestSchema): ExperimentStore {
  const home = resolvePath(options.home ?? defaultHome(options.env));
  const clock = options.clock ?? systemClock;
  const sink = options.events ?? nullSink;
  const emitter = createEmitter({ source: EVENT_SOURCE, clock, sink });
  const context: ExperimentContext = {
    clock,
    events: sink,
    schema,
    lockWaitMs: options.lockWaitMs ?? 0,
    sleep: options.sleep,
  };
  const handle = (id: string): Experiment => new Experiment(id, join(home, id), context);
  const amiCache = createAmiCache({
    dir: join(home, AMI_CACHE_DIR),
    clock,
    emitter: emitter.child('ami-cache'),
    ttlMs: options.amiCacheTtlMs ?? DEFAULT_AMI_CACHE_TTL_MS,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });

  async function listIds(): Promise<string[]> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(home, { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw withContext(error, `Listing the experiments in ${home}`);
    }
    return entries
      .filter((entry) => entry.isDirectory() && !RESERVED_NAMES.includes(entry.name))
      .map((entry) => entry.name)
      .filter((name) => parseExperimentId(name) !== undefined);
  }

  async function latest(): Promise<string | undefined> {
    try {
      return basename(await readlink(join(home, LATEST)));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      if (isErrno(error, 'EINVAL')) {
        throw new LabError('LATEST_NOT_A_LINK', `${join(home, LATEST)} is not a symbolic link`, {
          hint: `Move ${join(home, LATEST)} aside; the next created experiment recreates the link`,
        });
      }
      throw withContext(error, `Reading ${join(home, LATEST)}`);
    }
  }

  async function exists(id: string): Promise<boolean> {
    try {
      return (await stat(join(home, id))).isDirectory();
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
      throw withContext(error, `Looking for experiment ${id}`);
    }
  }

  async function resolve(ref: string): Promise<string> {
    if (ref === '') {
      throw new ValidationError('An experiment reference is required', [
        { path: 'experiment', message: 'empty', expected: '"latest", an experiment id, or a prefix of one' },
      ]);
    }
    if (ref === LATEST) {
      const target = await latest();
      if (target === undefined) {
        throw new ExperimentNotFoundError(ref, `No experiment has been created in ${home} yet`, {
          hint: 'Create one first, or give an experiment id',
        });
      }
      if (!(await exists(target))) {
        throw new ExperimentNotFoundError(
          ref,
          `"latest" points to ${target}, which no longer exists in ${home}`,
          {
            hint: 'It was removed (by gc or by hand); give another experiment id. `latest` moves with the next create',
            details: { target },
          },
        );
      }
      return target;
    }
    const ids = await listIds();
    if (ids.includes(ref)) return ref;
    const matches = ids.filter((id) => id.startsWith(ref)).sort(compareIdsNewestFirst);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) throw new AmbiguousExperimentError(ref, matches);
    const recent = [...ids].sort(compareIdsNewestFirst).slice(0, 5);
    throw new ExperimentNotFoundError(ref, `No experiment in ${home} matches "${ref}"`, {
      hint:
        recent.length === 0
          ? `${home} holds no experiments yet`
          : `Most recent: ${recent.join(', ')}. List them all to choose one`,
      details: { home },
    });
  }

  async function open(ref: string, openOptions: OpenOptions = {}): Promise<Experiment> {
    const experiment = handle(await resolve(ref));
    if (openOptions.lock === true) {
      await experiment.lock(openOptions.purpose === undefined ? {} : { purpose: openOptions.purpose });
    }
    return experiment;
  }

  async function create(input: CreateExperimentInput): Promise<Experiment> {
    const phases = input.phases ?? DEFAULT_PHASES;
    validateCreateInput(input, phases);
    try {
      await mkdir(home, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw withContext(error, `Creating the store's home ${home}`);
    }
    const nowMs = clock.now();
    const id = await claimDirectory(home, input.id, new Date(nowMs));
    const experiment = handle(id);
    let lock: LockHandle | undefined;
    try {
      lock = await acquireLock(experiment.paths.lock, {
        clock,
        emitter,
        what: `experiment ${id}`,
        purpose: input.purpose,
      });
      experiment.adoptLock(lock);
      for (const dir of [
        experiment.paths.terraformDir,
        experiment.paths.benchmarkResults,
        experiment.paths.report,
      ]) {
        await mkdir(dir, { recursive: true });
      }
      await writeFile(experiment.paths.log, '', { flag: 'a' });
      await writeFile(experiment.paths.events, '', { flag: 'a' });
      const manifest: Manifest = {
        schemaVersion: schema.version,
        id,
        name: input.name,
        createdAt: new Date(nowMs).toISOString(),
        target: input.target ?? 'aws',
        tags: { ...(input.tags ?? {}) },
        regions: [...input.regions],
        configDigest: input.configDigest,
        phases: Object.fromEntries(phases.map((phase) => [phase, { status: 'pending' as const }])),
        terraform: { stateDir: TERRAFORM_DIR },
        resources: {},
        resourcesGone: null,
        outcome: null,
        details: structuredClone(input.details ?? {}),
      };
      await writeFileAtomic(experiment.paths.manifest, serializeManifest(manifest));
      await fsyncDir(experiment.paths.root);
      await pointLatestAt(home, id);
    } catch (error) {
      experiment.forgetLock();
      const cleanup = await rm(experiment.paths.root, { recursive: true, force: true }).then(
        () => undefined,
        (rmError: unknown) => errorMessage(rmError),
      );
      throw withContext(error, `Creating experiment ${id}`, {
        details: { path: experiment.paths.root, ...(cleanup === undefined ? {} : { leftBehind: cleanup }) },
      });
    }
    experiment.emit(
      'experiment.created',
      `Created experiment ${id} (${input.name}) in ${experiment.paths.root}`,
      {
        id,
        path: experiment.paths.root,
        regions: [...input.regions],
      },
    );
    return experiment;
  }

  async function row(id: string, now: number): Promise<ExperimentRow> {
    const experiment = handle(id);
    const lockState = await inspectLock(experiment.paths.lock);
    const lockedBy = lockState.state === 'held' && lockState.alive !== false ? lockState.holder : undefined;
    const generatedAt = parseExperimentId(id)?.createdAt?.getTime();
    try {
      const manifest = await experiment.readManifest();
      const createdMs = Date.parse(manifest.createdAt);
      return {
        id,
        name: manifest.name,
        status: deriveStatus(manifest, lockedBy !== undefined),
        createdAt: manifest.createdAt,
        ageMs: now - createdMs,
        target: manifest.target,
        regions: manifest.regions,
        resourcesMayBeAlive: resourcesMayBeAlive(manifest),
        lockedBy,
        problem: undefined,
      };
    } catch (error) {
      const missing = isLabError(error) && error.code === 'MANIFEST_MISSING';
      return {
        id,
        name: undefined,
        status: missing ? 'incomplete' : 'unreadable',
        createdAt: generatedAt === undefined ? undefined : new Date(generatedAt).toISOString(),
        ageMs: generatedAt === undefined ? undefined : now - generatedAt,
        target: undefined,
        regions: [],
        resourcesMayBeAlive: true,
        lockedBy,
        problem: {
          code: isLabError(error) ? error.code : 'UNEXPECTED',
          message: errorMessage(error),
        },
      };
    }
  }

  async function list(): Promise<ExperimentRow[]> {
    const now = clock.now();
    const rows = await Promise.all((await listIds()).map((id) => row(id, now)));
    return rows.sort((a, b) => {
      const byTime =
        (b.ageMs === undefined ? -Infinity : -b.ageMs) - (a.ageMs === undefined ? -Infinity : -a.ageMs);
      return Number.isNaN(byTime) || byTime === 0 ? compareIdsNewestFirst(a.id, b.id) : byTime;
    });
  }

  async function gc(gcOptions: GcOptions): Promise<GcPlan> {
    const { olderThanMs } = gcOptions;
    if (typeof olderThanMs !== 'number' || !Number.isFinite(olderThanMs) || olderThanMs < 0) {
      throw new ValidationError('Invalid gc age limit', [
        {
          path: 'olderThanMs',
          message: 'must be a non-negative number of milliseconds',
          received: String(olderThanMs),
        },
      ]);
    }
    const plan: GcPlan = {
      executed: gcOptions.execute === true,
      olderThanMs,
      remove: [],
      keep: [],
      removed: [],
      failed: [],
    };
    for (const entry of await list()) {
      const verdict = gcVerdict(entry, olderThanMs);
      (verdict.remove ? plan.remove : plan.keep).push({
        id: entry.id,
        ageMs: entry.ageMs,
        reason: verdict.reason,
      });
    }
    if (!plan.executed) return plan;
    for (const entry of plan.remove) {
      try {
        await removeExperiment(entry.id);
        plan.removed.push(entry.id);
        emitter.emit('gc.removed', `Removed experiment ${entry.id} (${entry.reason})`, { id: entry.id });
      } catch (error) {
        plan.failed.push({
          id: entry.id,
          code: isLabError(error) ? error.code : 'UNEXPECTED',
          message: errorMessage(error),
        });
        emitter.emit(
          'gc.failed',
          `Could not remove experiment ${entry.id}: ${errorMessage(error)}`,
          { id: entry.id },
          'warn',
        );
      }
    }
    return plan;
  }

  /** Removes one experiment under its lock, after checking again that it may go. */
  async function removeExperiment(id: string): Promise<void> {
    const experiment = handle(id);
    await experiment.lock({ purpose: 'gc' });
    let moved = false;
    try {
      const manifest = await experiment.readManifest();
      if (resourcesMayBeAlive(manifest)) {
        throw new LabError('GC_REFUSED', `Experiment ${id} may have live resources now`, {
          details: { id },
        });
      }
      // Renaming first makes the removal all-or-nothing for readers: a half-deleted directory is
      // never listed as an experiment.
      const trash = join(home, `.gc-${id}-${randomBytes(4).toString('hex')}`);
      await rename(experiment.paths.root, trash);
      moved = true;
      experiment.forgetLock();
      await fsyncDir(home);
      await rm(trash, { recursive: true, force: true });
    } finally {
      if (!moved) await experiment.release();
    }
  }

  return {
    home,
    amiCache,
    create,
    resolve,
    open,
    latest,
    list,
    gc,
  };
}

function gcVerdict(entry: ExperimentRow, olderThanMs: number): { remove: boolean; reason: string } {
  if (entry.status === 'unreadable' || entry.status === 'incomplete') {
    return {
      remove: false,
      reason: `${entry.status}: ${entry.problem?.message ?? 'no manifest'}; inspect it by hand`,
    };
  }
  if (entry.ageMs === undefined || entry.ageMs < olderThanMs)
    return { remove: false, reason: 'younger than the limit' };
  if (entry.lockedBy !== undefined)
    return { remove: false, reason: `locked by process ${entry.lockedBy.pid}` };
  if (entry.resourcesMayBeAlive) return { remove: false, reason: 'its cloud resources may still exist' };
  return { remove: true, reason: 'older than the limit and its cloud resources are gone' };
}

function validateCreateInput(input: CreateExperimentInput, phases: readonly string[]): void {
  const issues: ValidationIssue[] = [];
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 200) {
    issues.push({ path: 'name', message: 'must be 1–200 characters', received: JSON.stringify(input.name) });
  }
  const local = input.target === 'local';
  if (!Array.isArray(input.regions) || (input.regions.length === 0) !== local) {
    issues.push({
      path: 'regions',
      message: local ? 'a local experiment has no regions' : 'at least one region is required',
      expected: local ? '[]' : 'e.g. ["eu-west-1"]',
    });
  } else {
    input.regions.forEach((region, index) => {
      if (!isValidRegion(region)) {
        issues.push({
          path: `regions.${index}`,
          message: 'not an AWS region name',
          received: JSON.stringify(region),
        });
      }
    });
  }
  if (
    typeof input.configDigest !== 'string' ||
    input.configDigest === '' ||
    input.configDigest.length > 256
  ) {
    issues.push({
      path: 'configDigest',
      message: 'must be 1–256 characters',
      received: JSON.stringify(input.configDigest),
    });
  }
  if (phases.length === 0) issues.push({ path: 'phases', message: 'at least one phase is required' });
  for (const [index, phase] of phases.entries()) {
    if (!isValidPhaseName(phase)) {
      issues.push({ path: `phases.${index}`, message: 'not a phase name', received: JSON.stringify(phase) });
    }
  }
  if (new Set(phases).size !== phases.length) issues.push({ path: 'phases', message: 'phase names repeat' });
  if (input.id !== undefined) {
    try {
      assertExperimentId(input.id, 'id');
      if (RESERVED_NAMES.includes(input.id)) {
        issues.push({ path: 'id', message: `"${input.id}" is reserved by the store`, received: input.id });
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (input.details !== undefined) {
    try {
      JSON.stringify(input.details);
    } catch (error) {
      issues.push({ path: 'details', message: `not JSON-serialisable: ${errorMessage(error)}` });
    }
  }
  if (issues.length > 0) throw new ValidationError('Invalid experiment', issues);
  if (input.tags !== undefined) assertValidTags(input.tags, 'experiment tags');
}

/** Claims the experiment's directory. mkdir is atomic, so two processes never get one id. */
async function claimDirectory(home: string, chosen: string | undefined, at: Date): Promise<string> {
  if (chosen !== undefined) {
    const path = join(home, chosen);
    try {
      await mkdir(path);
      return chosen;
    } catch (error) {
      if (isErrno(error, 'EEXIST')) throw new ExperimentExistsError(chosen, path);
      throw withContext(error, `Creating ${path}`);
    }
  }
  for (let sequence = 1; sequence <= 10_000; sequence++) {
    const id = formatExperimentId(at, sequence);
    try {
      await mkdir(join(home, id));
      return id;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw withContext(error, `Creating ${join(home, id)}`);
    }
  }
  throw new LabError(
    'EXPERIMENT_ID_EXHAUSTED',
    `More than 10000 experiments claim ${formatExperimentId(at)}`,
    {
      hint: 'Is the clock stuck? Pass an explicit id',
    },
  );
}

/** Points `latest` at `id`: a new link under a temporary name, renamed over the old one. */
async function pointLatestAt(home: string, id: string): Promise<void> {
  const link = join(home, LATEST);
  const temp = join(home, `.${LATEST}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await symlink(id, temp);
    await rename(temp, link);
  } catch (error) {
    const leftover = await unlink(temp).then(
      () => undefined,
      (unlinkError: unknown) => (isErrno(unlinkError, 'ENOENT') ? undefined : temp),
    );
    throw withContext(error, `Pointing ${link} at ${id}`, {
      ...(isErrno(error, 'EISDIR', 'ENOTDIR', 'ENOTEMPTY')
        ? { hint: `${link} exists and is not a link; move it aside` }
        : {}),
      ...(leftover === undefined ? {} : { details: { leftover } }),
    });
  }
  await fsyncDir(home);
}

/** Generated ids newest first (the `-N` sequence compared as a number), then others. */
export function compareIdsNewestFirst(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}
