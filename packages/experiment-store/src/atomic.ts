import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withContext } from '@lab/core';

/** What `writeFileAtomic` accepts: text, bytes, or chunks produced over time (large results). */
export type AtomicData =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

export function isErrno(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    codes.includes((error as { code: string }).code)
  );
}

/** A unique sibling name for a temporary file; hidden so listings skip it. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Permissions of everything the store creates: experiments hold Terraform state and results. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Replaces `path` with `data` so that a reader — or the file after a crash at any moment —
 * sees either the whole old content or the whole new one: the data goes to a temporary file in
 * the same directory, which is fsynced, renamed over `path`, and the directory is fsynced so the
 * rename itself survives a power loss. The file is private (0600) unless `mode` says otherwise.
 */
export async function writeFileAtomic(
  path: string,
  data: AtomicData,
  mode = PRIVATE_FILE_MODE,
): Promise<void> {
  const temp = tempSibling(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', mode);
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await handle.writeFile(data);
    } else {
      for await (const chunk of data) await handle.writeFile(chunk);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    const cleanup = await discard(handle, temp);
    throw withContext(error, `Writing ${path} atomically`, {
      details: { path, ...(cleanup === undefined ? {} : { tempFileLeft: temp, cleanupError: cleanup }) },
    });
  }
  await fsyncDir(dirname(path));
}

/** Makes entries created, renamed or removed in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some file systems refuse fsync on a directory; the rename has happened and is visible.
    if (!isErrno(error, 'EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP')) {
      throw withContext(error, `Syncing directory ${dir}`);
    }
  } finally {
    await handle?.close();
  }
}

async function discard(handle: FileHandle | undefined, temp: string): Promise<string | undefined> {
  try {
    await handle?.close();
    await unlink(temp);
    return undefined;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    return error instanceof Error ? error.message : String(error);
  }
}
