import { mkdir, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve as resolvePath } from 'node:path';
import {
  type Clock,
  createEmitter,
  type EventSink,
  errorMessage,
  isLabError,
  LabError,
  nullSink,
  parseExperimentId,
  type Sleep,
  systemClock,
  type TagMap,
  ValidationError,
  withContext,
} from '@lab/core';
import { type AmiCache, createAmiCache, DEFAULT_AMI_CACHE_TTL_MS } from './ami-cache.js';
import { fsyncDir, isErrno, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, writeFileAtomic } from './atomic.js';
import { claimDirectory, compareIdsNewestFirst, pointLatestAt, validateCreateInput } from './claim.js';
import { AmbiguousExperimentError, ExperimentNotFoundError, type LockHolder } from './errors.js';
import { EVENT_SOURCE, Experiment, type ExperimentContext, TERRAFORM_DIR } from './experiment.js';
import { collectGarbage, type GcOptions, type GcPlan } from './gc.js';
import { acquireLock, inspectLock, type LockHandle } from './lock.js';
import {
  CURRENT_SCHEMA,
  DEFAULT_PHASES,
  deriveStatus,
  type ExperimentStatus,
  type Manifest,
  type ManifestSchema,
  resourcesMayBeAlive,
  serializeManifest,
  type Target,
} from './manifest.js';
import { AMI_CACHE_DIR, HOME_ENV, LATEST, RESERVED_NAMES } from './names.js';
import { homePrivacyCheck } from './privacy.js';

export { compareIdsNewestFirst } from './claim.js';
export type { GcEntry, GcOptions, GcPlan } from './gc.js';
export { AMI_CACHE_DIR, HOME_ENV, LATEST, RESERVED_NAMES } from './names.js';

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
  const checkHome = homePrivacyCheck(home, emitter);
  const cache = createAmiCache({
    dir: join(home, AMI_CACHE_DIR),
    clock,
    emitter: emitter.child('ami-cache'),
    ttlMs: options.amiCacheTtlMs ?? DEFAULT_AMI_CACHE_TTL_MS,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const amiCache: AmiCache = {
    get: async (region, key) => {
      await checkHome();
      return cache.get(region, key);
    },
    set: async (region, key, value, setOptions) => {
      await checkHome();
      return cache.set(region, key, value, setOptions);
    },
    invalidate: async (region, key) => {
      await checkHome();
      return cache.invalidate(region, key);
    },
  };

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
    await checkHome();
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
    await checkHome();
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
    await checkHome();
    try {
      await mkdir(home, { recursive: true, mode: PRIVATE_DIR_MODE });
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
        await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      }
      await writeFile(experiment.paths.log, '', { flag: 'a', mode: PRIVATE_FILE_MODE });
      await writeFile(experiment.paths.events, '', { flag: 'a', mode: PRIVATE_FILE_MODE });
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
    await checkHome();
    const now = clock.now();
    const rows = await Promise.all((await listIds()).map((id) => row(id, now)));
    return rows.sort((a, b) => {
      const byTime =
        (b.ageMs === undefined ? -Infinity : -b.ageMs) - (a.ageMs === undefined ? -Infinity : -a.ageMs);
      return Number.isNaN(byTime) || byTime === 0 ? compareIdsNewestFirst(a.id, b.id) : byTime;
    });
  }

  return {
    home,
    amiCache,
    create,
    resolve,
    open,
    latest,
    list,
    gc: (gcOptions) => collectGarbage({ home, emitter, list, handle }, gcOptions),
  };
}
