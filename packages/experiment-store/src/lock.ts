import { randomBytes } from 'node:crypto';
import { link, readFile, unlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { dirname } from 'node:path';
import { type Clock, type Emitter, LabError, realSleep, type Sleep, withContext } from '@lab/core';
import { fsyncDir, isErrno, tempSibling, writeFileAtomic } from './atomic.js';
import { ExperimentLockedError, type LockHolder } from './errors.js';

/** The lock file's content: the holder plus a token that tells two holders with one pid apart. */
interface LockRecord extends LockHolder {
  token: string;
}

export interface LockOptions {
  clock: Clock;
  emitter: Emitter;
  /** What is locked, for messages: `experiment exp-20260101-000000`. */
  what: string;
  purpose?: string | undefined;
  /** Keep trying this long while a live process holds the lock; 0 (default) fails at once. */
  waitMs?: number;
  sleep?: Sleep;
}

export interface LockHandle {
  readonly path: string;
  readonly holder: LockHolder;
  /** The dead process whose stale lock this one replaced, if it did. */
  readonly takenOverFrom?: LockHolder;
  /** Removes the lock if it is still this handle's; throws `LOCK_LOST` if it is not. */
  release(): Promise<void>;
}

/** What a lock file says right now. `alive` is undefined when the holder is on another host. */
export type LockState =
  | { state: 'free' }
  | { state: 'held'; holder: LockHolder; alive: boolean | undefined }
  | { state: 'unreadable'; reason: string };

const RETRY_INTERVAL_MS = 25;
const MAX_BUSY_RETRIES = 40;

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return !isErrno(error, 'ESRCH');
  }
}

/**
 * Takes the lock at `path`. The file is created exclusively — written in full to a temporary
 * file, then hard-linked to `path`, which fails when `path` exists (the same guarantee as
 * O_EXCL, without a moment where the lock exists but says nothing about its holder). A lock whose
 * holder is a dead process on this host is taken over, and an event says so; one held by a live
 * process, or by a process on another host, is an `ExperimentLockedError` naming the holder.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<LockHandle> {
  const host = osHostname();
  const record: LockRecord = {
    pid: process.pid,
    hostname: host,
    startedAt: new Date(options.clock.now()).toISOString(),
    ...(options.purpose === undefined ? {} : { purpose: options.purpose }),
    token: randomBytes(8).toString('hex'),
  };
  const content = `${JSON.stringify(record)}\n`;
  const sleep = options.sleep ?? realSleep;
  const deadline = options.clock.now() + (options.waitMs ?? 0);
  let busyRetries = 0;

  for (;;) {
    if (await createExclusive(path, content)) {
      options.emitter.emit('lock.acquired', `Locked ${options.what}`, { path, pid: record.pid }, 'debug');
      return makeHandle(path, record, options);
    }
    const observed = await readRaw(path);
    if (observed === undefined) continue; // released between our attempt and the read
    const holder = parseRecord(observed);
    if (holder === undefined) {
      throw new ExperimentLockedError(
        path,
        undefined,
        `${capitalize(options.what)} is locked by a lock file that cannot be read (${path})`,
        { hint: `If no lab process is working on it, delete ${path}` },
      );
    }
    if (holder.hostname === host && !isProcessAlive(holder.pid)) {
      const outcome = await takeOver(path, observed, content, host);
      if (outcome === 'taken') {
        options.emitter.emit(
          'lock.stale-taken-over',
          `Took over the lock on ${options.what}: its holder, process ${holder.pid} on ${holder.hostname} (since ${holder.startedAt}), is gone`,
          { path, previousHolder: publicHolder(holder) },
          'warn',
        );
        return makeHandle(path, record, options, publicHolder(holder));
      }
      if (outcome === 'changed') continue;
      // 'busy': another live process is taking the stale lock over right now; it takes
      // microseconds, so look again shortly whatever the deadline.
      if (busyRetries++ < MAX_BUSY_RETRIES) {
        await sleep(RETRY_INTERVAL_MS);
        continue;
      }
    }
    if (options.clock.now() < deadline) {
      await sleep(Math.min(RETRY_INTERVAL_MS, deadline - options.clock.now()));
      continue;
    }
    throw lockedError(path, holder, host, options.what);
  }
}

/** Reads the lock at `path` without taking it. */
export async function inspectLock(path: string): Promise<LockState> {
  const raw = await readRaw(path);
  if (raw === undefined) return { state: 'free' };
  const holder = parseRecord(raw);
  if (holder === undefined) return { state: 'unreadable', reason: 'not a lock record' };
  const alive = holder.hostname === osHostname() ? isProcessAlive(holder.pid) : undefined;
  return { state: 'held', holder: publicHolder(holder), alive };
}

function makeHandle(
  path: string,
  record: LockRecord,
  options: LockOptions,
  takenOverFrom?: LockHolder,
): LockHandle {
  let released = false;
  return {
    path,
    holder: publicHolder(record),
    ...(takenOverFrom === undefined ? {} : { takenOverFrom }),
    async release() {
      if (released) return;
      const raw = await readRaw(path);
      const current = raw === undefined ? undefined : parseRecord(raw);
      if (current?.token !== record.token) {
        released = true;
        throw new LabError('LOCK_LOST', `The lock on ${options.what} was no longer held by this process`, {
          hint: 'Another process removed or replaced the lock file while this one worked; check what else ran on the experiment',
          details: { path, ...(current === undefined ? {} : { holder: publicHolder(current) }) },
        });
      }
      try {
        await unlink(path);
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) throw withContext(error, `Releasing the lock ${path}`);
      }
      released = true;
      await fsyncDir(dirname(path));
      options.emitter.emit('lock.released', `Unlocked ${options.what}`, { path }, 'debug');
    },
  };
}

/** Creates `path` with `content` unless it exists. Returns false when it exists. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const temp = tempSibling(path);
  await writeFileAtomic(temp, content);
  try {
    await link(temp, path);
    await fsyncDir(dirname(path));
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw withContext(error, `Creating the lock file ${path}`);
  } finally {
    await unlink(temp).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw withContext(error, `Removing ${temp}`);
    });
  }
}

/**
 * Replaces a stale lock with ours. A guard file, itself created exclusively, makes sure only
 * one process takes over; under it the lock is re-read and replaced (rename) only if it still is
 * the stale one we saw.
 */
async function takeOver(
  path: string,
  staleRaw: string,
  content: string,
  host: string,
): Promise<'taken' | 'changed' | 'busy'> {
  const guard = `${path}.takeover`;
  if (!(await createExclusive(guard, content))) {
    const guardHolder = parseRecord((await readRaw(guard)) ?? '');
    if (guardHolder !== undefined && guardHolder.hostname === host && !isProcessAlive(guardHolder.pid)) {
      // A process died while taking over; clear its guard and start again.
      await unlink(guard).catch((error: unknown) => {
        if (!isErrno(error, 'ENOENT')) throw withContext(error, `Removing the stale guard ${guard}`);
      });
      return 'changed';
    }
    return 'busy';
  }
  try {
    if ((await readRaw(path)) !== staleRaw) return 'changed';
    await writeFileAtomic(path, content);
    return 'taken';
  } finally {
    await unlink(guard).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw withContext(error, `Removing the guard ${guard}`);
    });
  }
}

async function readRaw(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw withContext(error, `Reading the lock file ${path}`);
  }
}

function parseRecord(raw: string): LockRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (
    typeof record.pid !== 'number' ||
    !Number.isInteger(record.pid) ||
    record.pid <= 0 ||
    typeof record.hostname !== 'string' ||
    typeof record.startedAt !== 'string' ||
    typeof record.token !== 'string'
  ) {
    return undefined;
  }
  return {
    pid: record.pid,
    hostname: record.hostname,
    startedAt: record.startedAt,
    token: record.token,
    ...(typeof record.purpose === 'string' ? { purpose: record.purpose } : {}),
  };
}

function publicHolder(record: LockHolder): LockHolder {
  return {
    pid: record.pid,
    hostname: record.hostname,
    startedAt: record.startedAt,
    ...(record.purpose === undefined ? {} : { purpose: record.purpose }),
  };
}

function lockedError(path: string, holder: LockRecord, host: string, what: string): ExperimentLockedError {
  const doing = holder.purpose === undefined ? '' : ` (${holder.purpose})`;
  const where = holder.hostname === host ? '' : ` on host ${holder.hostname}`;
  return new ExperimentLockedError(
    path,
    publicHolder(holder),
    `${capitalize(what)} is locked by process ${holder.pid}${where}${doing} since ${holder.startedAt}`,
    {
      hint:
        holder.hostname === host
          ? `Wait for process ${holder.pid} to finish, or stop it. If ${holder.pid} is not a lab process (a reused pid), delete ${path}`
          : `The holder runs on ${holder.hostname}; this host cannot tell whether it is alive. If it is not, delete ${path}`,
    },
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
