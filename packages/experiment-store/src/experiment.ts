import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import {
  type Clock,
  createEmitter,
  type Emitter,
  type EventSink,
  errorMessage,
  fanOut,
  LabError,
  type LabEvent,
  type Sleep,
  ValidationError,
  withContext,
} from '@lab/core';
import { type AtomicData, isErrno, PRIVATE_DIR_MODE, writeFileAtomic } from './atomic.js';
import { ManifestCorruptError } from './errors.js';
import { INTERRUPTED, recordInterruption } from './interruption.js';
import { acquireLock, type LockHandle } from './lock.js';
import {
  isValidRegion,
  isValidResourceType,
  type Manifest,
  type ManifestSchema,
  type OutcomeResult,
  type ParsedManifest,
  parseManifest,
  serializeManifest,
  validateManifest,
} from './manifest.js';
import { appendingSink, type ExperimentPaths, experimentPaths, insidePath } from './paths.js';
import { assertPhaseName, manifestReadError, toErrorRecord } from './records.js';

export const EVENT_SOURCE = '@lab/experiment-store';

export { type ExperimentPaths, experimentPaths, TERRAFORM_DIR } from './paths.js';

export interface ExperimentContext {
  clock: Clock;
  /** The store's caller's sink (a CLI's renderer). */
  events: EventSink;
  schema: ManifestSchema;
  lockWaitMs: number;
  sleep: Sleep | undefined;
}

export interface LockRequest {
  /** What this process is doing, shown to a process that finds the experiment locked. */
  purpose?: string;
}

export interface EventSinkOptions {
  /** Called when a line cannot be appended. Default: a `log.write-failed` warning to the store's sink. */
  onError?: (error: LabError, event: LabEvent) => void;
}

/** How a phase ended. */
export type PhaseEnd = 'succeeded' | 'failed' | 'skipped';

/**
 * A handle on one experiment directory. Reading needs no lock; every write goes through the
 * experiment's lock — the one this handle holds (`lock()`, or the handle `create` returns), or a
 * short one taken for the single write.
 */
export class Experiment {
  readonly id: string;
  readonly paths: ExperimentPaths;
  private readonly context: ExperimentContext;
  private readonly emitter: Emitter;
  private lockHandle: LockHandle | undefined;

  /** @internal Use `store.create` or `store.open`. */
  constructor(id: string, root: string, context: ExperimentContext) {
    this.id = id;
    this.paths = experimentPaths(root);
    this.context = context;
    this.emitter = createEmitter({
      source: EVENT_SOURCE,
      clock: context.clock,
      sink: fanOut(context.events, this.eventSink()),
    });
  }

  /** Whether this handle holds the experiment's lock. */
  get locked(): boolean {
    return this.lockHandle !== undefined;
  }

  /**
   * Takes the experiment's lock for the life of this handle (until `release()`), so no other
   * process writes it meanwhile. Throws `ExperimentLockedError` naming the holder's pid.
   */
  async lock(request: LockRequest = {}): Promise<void> {
    if (this.lockHandle !== undefined) return;
    this.lockHandle = await this.takeLock(request.purpose);
  }

  /** Releases the lock this handle holds; does nothing when it holds none. */
  async release(): Promise<void> {
    const handle = this.lockHandle;
    this.lockHandle = undefined;
    await handle?.release();
  }

  /** Reads the manifest; an older schema is migrated in memory (the file changes on the next write). */
  async readManifest(): Promise<Manifest> {
    let text: string;
    try {
      text = await readFile(this.paths.manifest, 'utf8');
    } catch (error) {
      throw this.readError(error);
    }
    return this.parse(text).manifest;
  }

  /**
   * Reads the manifest, lets `mutator` change a copy, validates the result and writes it
   * atomically — all under the experiment's lock. A corrupt or newer manifest is never
   * overwritten: its error is thrown before the mutator runs. Returns the manifest written.
   */
  async updateManifest(mutator: (draft: Manifest) => void): Promise<Manifest> {
    return this.withLock(() => this.rewriteManifest(mutator));
  }

  /** `updateManifest`'s work; the caller holds the lock. */
  private async rewriteManifest(mutator: (draft: Manifest) => void): Promise<Manifest> {
    let text: string;
    try {
      text = await readFile(this.paths.manifest, 'utf8');
    } catch (error) {
      throw this.readError(error);
    }
    const parsed = this.parse(text);
    await this.sweepManifestTemps();
    const draft = structuredClone(parsed.manifest);
    mutator(draft);
    if (draft.id !== this.id) {
      throw new ValidationError(`The manifest's id cannot change (experiment ${this.id})`, [
        { path: 'id', message: 'id is fixed at creation', expected: this.id, received: draft.id },
      ]);
    }
    draft.schemaVersion = this.context.schema.version;
    const next = validateManifest(draft, this.paths.manifest, this.context.schema);
    await writeFileAtomic(this.paths.manifest, serializeManifest(next));
    if (parsed.migratedFrom !== undefined) {
      this.emitter.emit(
        'manifest.migrated',
        `Migrated the manifest of ${this.id} from schema version ${parsed.migratedFrom} to ${next.schemaVersion}`,
        { id: this.id, from: parsed.migratedFrom, to: next.schemaVersion },
      );
    }
    return next;
  }

  /** Marks `phase` running now. A phase left running by a process that died is restarted. */
  async startPhase(phase: string): Promise<Manifest> {
    assertPhaseName(phase);
    let restarted = false;
    const manifest = await this.updateManifest((draft) => {
      const current = draft.phases[phase];
      restarted = current?.status === 'running' || current?.error?.code === INTERRUPTED;
      draft.phases[phase] = { status: 'running', startedAt: this.now() };
    });
    this.emitter.emit(
      restarted ? 'phase.restarted' : 'phase.started',
      restarted
        ? `Phase ${phase} of ${this.id} restarted (an earlier process stopped while it ran)`
        : `Phase ${phase} of ${this.id} started`,
      { id: this.id, phase },
      restarted ? 'warn' : 'info',
    );
    return manifest;
  }

  /**
   * Ends `phase`. `succeeded` and `failed` need a running phase; `skipped` a pending one.
   * `error` (for `failed`) is recorded with its code, message and hint.
   */
  async endPhase(phase: string, status: PhaseEnd, error?: unknown): Promise<Manifest> {
    assertPhaseName(phase);
    const manifest = await this.updateManifest((draft) => {
      const current = draft.phases[phase];
      const expected = status === 'skipped' ? 'pending' : 'running';
      if ((current?.status ?? 'pending') !== expected) {
        throw new LabError(
          'PHASE_STATE',
          `Cannot mark phase ${phase} of ${this.id} ${status}: it is ${current?.status ?? 'not defined'}, not ${expected}`,
          { details: { id: this.id, phase, status: current?.status } },
        );
      }
      draft.phases[phase] = {
        status,
        ...(current?.startedAt === undefined ? {} : { startedAt: current.startedAt }),
        endedAt: this.now(),
        ...(error === undefined ? {} : { error: toErrorRecord(error) }),
      };
    });
    this.emitter.emit(
      'phase.ended',
      `Phase ${phase} of ${this.id} ${status}${error === undefined ? '' : `: ${errorMessage(error)}`}`,
      { id: this.id, phase, status },
      status === 'failed' ? 'error' : 'info',
    );
    return manifest;
  }

  /** Adds resource ids (deduplicated) under `resources[region][type]`. */
  async recordResources(region: string, type: string, ids: readonly string[]): Promise<Manifest> {
    const issues = [
      ...(isValidRegion(region)
        ? []
        : [{ path: 'region', message: 'not an AWS region name', received: region }]),
      ...(isValidResourceType(type)
        ? []
        : [
            {
              path: 'type',
              message: 'not a resource type (lowercase letters, digits, hyphens)',
              received: type,
            },
          ]),
      ...ids
        .filter((id) => typeof id !== 'string' || id === '')
        .map(() => ({ path: 'ids', message: 'empty resource id' })),
    ];
    if (issues.length > 0) throw new ValidationError('Invalid resource record', issues);
    return this.updateManifest((draft) => {
      const byType = draft.resources[region] ?? {};
      byType[type] = [...new Set([...(byType[type] ?? []), ...ids])];
      draft.resources[region] = byType;
    });
  }

  /** Records that the experiment's cloud resources were verified gone (by `by`, e.g. `lab-cleanup`). */
  async markResourcesGone(by: string): Promise<Manifest> {
    const manifest = await this.updateManifest((draft) => {
      draft.resourcesGone = { at: this.now(), by };
    });
    this.emitter.emit('resources.gone', `Resources of ${this.id} verified gone by ${by}`, {
      id: this.id,
      by,
    });
    return manifest;
  }

  /** Records the experiment's outcome. */
  async finish(
    result: OutcomeResult,
    options: { message?: string; error?: unknown } = {},
  ): Promise<Manifest> {
    const manifest = await this.updateManifest((draft) => {
      draft.outcome = {
        result,
        at: this.now(),
        ...(options.message === undefined ? {} : { message: options.message }),
        ...(options.error === undefined ? {} : { error: toErrorRecord(options.error) }),
      };
    });
    this.emitter.emit(
      'experiment.finished',
      `Experiment ${this.id} ${result}${options.message === undefined ? '' : `: ${options.message}`}`,
      { id: this.id, result },
      result === 'succeeded' ? 'info' : 'error',
    );
    return manifest;
  }

  /**
   * A sink that appends each event to `events.ndjson` and a `formatEventLine` line to
   * `log.txt`. Appends are synchronous so the logs keep the events' order and survive a crash
   * right after; a failed append never throws (sinks must not) and is reported to `onError`.
   */
  eventSink(options: EventSinkOptions = {}): EventSink {
    const onError =
      options.onError ??
      ((error: LabError) => {
        this.context.events({
          type: 'log.write-failed',
          level: 'warn',
          time: new Date(this.context.clock.now()).toISOString(),
          source: EVENT_SOURCE,
          message: error.message,
          data: { id: this.id, ...(error.details ?? {}) },
        });
      });
    return appendingSink(this.paths, (error, event) =>
      onError(
        withContext(error, `Appending an event to the logs of experiment ${this.id}`, {
          details: { path: this.paths.root, eventType: event.type },
        }),
        event,
      ),
    );
  }

  /**
   * Writes `data` to `relPath` inside the experiment directory atomically (parents created).
   * The store's own files (manifest, logs, lock) are refused. Returns the absolute path.
   */
  async writeFileAtomic(relPath: string, data: AtomicData): Promise<string> {
    const target = insidePath(this.paths.root, relPath, `experiment ${this.id}`);
    try {
      await mkdir(dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (error) {
      throw withContext(error, `Creating the directory for ${target}`);
    }
    await writeFileAtomic(target, data);
    return target;
  }

  /** Writes the generated Terraform variables to `terraform/terraform.tfvars.json`, atomically. */
  async writeTerraformVars(variables: Record<string, unknown>): Promise<string> {
    return this.writeFileAtomic(
      relative(this.paths.root, this.paths.terraformVars),
      `${JSON.stringify(variables, null, 2)}\n`,
    );
  }

  /** @internal Emits an event to the store's sink and this experiment's logs. */
  emit(type: string, message: string, data?: Record<string, unknown>, level?: LabEvent['level']): void {
    this.emitter.emit(type, message, data, level);
  }

  /** @internal Takes the lock for the handle `create` returns. */
  adoptLock(handle: LockHandle): void {
    this.lockHandle = handle;
  }

  /** @internal The lock moved away with the directory (gc); forget it without touching the file. */
  forgetLock(): void {
    this.lockHandle = undefined;
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    if (this.lockHandle !== undefined) return work();
    const handle = await this.takeLock(undefined);
    let result: T;
    try {
      result = await work();
    } catch (error) {
      try {
        await handle.release();
      } catch (releaseError) {
        throw withContext(error, `Updating experiment ${this.id} failed and releasing its lock failed too`, {
          details: { releaseError: errorMessage(releaseError) },
        });
      }
      throw error;
    }
    await handle.release();
    return result;
  }

  /**
   * Takes the lock. When it was a dead process's stale lock, the experiment it left behind is
   * marked interrupted (its running phases failed with `INTERRUPTED`, the outcome `aborted`)
   * before anything else happens to it, so the manifest tells what happened.
   */
  private async takeLock(purpose: string | undefined): Promise<LockHandle> {
    const handle = await this.acquire(purpose);
    if (handle.takenOverFrom === undefined) return handle;
    try {
      await recordInterruption({
        id: this.id,
        holder: handle.takenOverFrom,
        noticedBy: { pid: process.pid, purpose },
        now: this.now(),
        rewrite: (mutator) => this.rewriteManifest(mutator),
        emit: (type, message, data) => this.emitter.emit(type, message, data, 'warn'),
      });
    } catch (error) {
      await handle.release().catch(() => undefined);
      throw withContext(error, `Recording that the last holder of experiment ${this.id} died`);
    }
    return handle;
  }

  private acquire(purpose: string | undefined): Promise<LockHandle> {
    return acquireLock(this.paths.lock, {
      clock: this.context.clock,
      emitter: createEmitter({
        source: EVENT_SOURCE,
        clock: this.context.clock,
        // The lock's own events go to the caller and, except debug chatter, to the experiment's logs.
        sink: fanOut(this.context.events, (event) => {
          if (event.level !== 'debug') this.eventSink()(event);
        }),
      }),
      what: `experiment ${this.id}`,
      purpose,
      waitMs: this.context.lockWaitMs,
      ...(this.context.sleep === undefined ? {} : { sleep: this.context.sleep }),
    });
  }

  /** Parses the manifest and checks it belongs to this directory (a copied directory does not). */
  private parse(text: string): ParsedManifest {
    const parsed = parseManifest(text, this.paths.manifest, this.context.schema);
    if (parsed.manifest.id !== this.id) {
      throw new ManifestCorruptError(
        this.paths.manifest,
        `${this.paths.manifest} belongs to experiment ${parsed.manifest.id}, not to ${this.id}`,
        [
          {
            path: 'id',
            file: this.paths.manifest,
            message: 'id differs from the directory name',
            expected: this.id,
            received: parsed.manifest.id,
          },
        ],
        {
          hint: 'Was the directory copied or renamed? Experiment directories keep their id; move it back or fix the id by hand',
        },
      );
    }
    return parsed;
  }

  /**
   * Removes temporary manifest files left by writers that died mid-write. Manifest temp files
   * are only written under the lock, which this process holds: any that exist are orphans.
   */
  private async sweepManifestTemps(): Promise<void> {
    const prefix = `.${basename(this.paths.manifest)}.tmp-`;
    let names: string[];
    try {
      names = await readdir(this.paths.root);
    } catch (error) {
      throw withContext(error, `Listing ${this.paths.root}`);
    }
    for (const name of names.filter((entry) => entry.startsWith(prefix))) {
      try {
        await unlink(join(this.paths.root, name));
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw withContext(error, `Removing the orphaned ${name}`);
      }
    }
  }

  private readError(error: unknown): LabError {
    return manifestReadError(this.id, this.paths.manifest, error);
  }

  private now(): string {
    return new Date(this.context.clock.now()).toISOString();
  }
}
