import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { abortReason, LabError, realSleep, type Sleep } from '@lab/core';

const POLL_MS = 500;
/** A lock directory without a PID this old was left by a process that died while taking it. */
const ORPHAN_MS = 10_000;

/**
 * Runs `body` while holding a lock directory (mkdir is atomic): another process that wants the
 * same lock waits. A lock whose holder no longer runs (its PID is in the directory) is taken over.
 */
export async function withDirectoryLock<T>(
  path: string,
  signal: AbortSignal | undefined,
  body: () => Promise<T>,
  sleep: Sleep = realSleep,
): Promise<T> {
  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      await mkdir(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LabError('LOCK_FAILED', `Cannot create the lock ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (!(await holderAlive(path))) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      await sleep(POLL_MS, signal);
    }
  }
  try {
    await writeFile(`${path}/pid`, `${process.pid}\n`);
    return await body();
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

async function holderAlive(path: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number((await readFile(`${path}/pid`, 'utf8')).trim());
  } catch {
    // No PID yet: held if it was created a moment ago, else its creator died while taking it.
    const created = await stat(path).then(
      (info) => info.mtimeMs,
      () => 0,
    );
    return Date.now() - created < ORPHAN_MS;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
