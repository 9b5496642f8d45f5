import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LabError, withContext } from '@lab/core';

/**
 * The directories of `packer/files/` that go into the image, by their name in the archive.
 * Packer uploads the archive as ONE file and `packer/scripts/unpack-lab-files.sh` unpacks
 * `lab/` and `systemd/` into the directories `install-lab.sh` reads: uploading directories
 * instead depends on whether the destination exists (Packer's file provisioner leaves that
 * "undefined"), which turned `/tmp/lab-systemd` into a single file.
 */
export const LAB_ARCHIVE_DIRECTORIES = ['lab', 'systemd'] as const;

export interface LabArchiveOptions {
  /** The `packer/files` directory holding `lab/` and `systemd/`. */
  filesDir: string;
  /** Where to write the `.tar.gz`. */
  destination: string;
}

export interface LabArchive {
  path: string;
  /** Every entry, in archive order (`lab/`, `lab/bin/`, `lab/bin/lab-bootstrap`, …). */
  entries: string[];
  sha256: string;
  bytes: number;
}

interface Entry {
  name: string;
  kind: 'directory' | 'file';
  mode: number;
  data: Buffer;
}

const BLOCK = 512;
// Every entry gets the same owner and time, so the same files always give the same archive.
const FIXED_MTIME = 0;

/**
 * Writes `lab/` and `systemd/` of `filesDir` as a gzip-compressed POSIX ustar archive: entries
 * sorted by name, owned by root, modes 0755 (directories and executables) or 0644, one fixed
 * time. Needs nothing but Node. Refuses symbolic links, special files and names ustar cannot
 * hold (LAB_FILES_INVALID), and a missing directory (LAB_FILES_MISSING).
 */
export async function writeLabFilesArchive(options: LabArchiveOptions): Promise<LabArchive> {
  const entries: Entry[] = [];
  for (const directory of LAB_ARCHIVE_DIRECTORIES) {
    const path = join(options.filesDir, directory);
    const stats = await lstat(path).catch((error: unknown) => {
      throw new LabError('LAB_FILES_MISSING', `${path} does not exist`, {
        hint: 'The archive is made from packer/files/lab and packer/files/systemd next to the template.',
        cause: error,
      });
    });
    if (!stats.isDirectory()) {
      throw new LabError('LAB_FILES_INVALID', `${path} is not a directory`);
    }
    await collect(path, directory, entries);
  }
  const archive = Buffer.concat([...entries.map(tarEntry), Buffer.alloc(2 * BLOCK)]);
  const compressed = gzipSync(archive, { level: 9 });
  try {
    await writeFile(options.destination, compressed);
  } catch (error) {
    throw withContext(error, `Writing the lab files archive ${options.destination}`);
  }
  return {
    path: options.destination,
    entries: entries.map((entry) => entry.name),
    sha256: createHash('sha256').update(compressed).digest('hex'),
    bytes: compressed.length,
  };
}

async function collect(path: string, name: string, into: Entry[]): Promise<void> {
  into.push({ name: `${name}/`, kind: 'directory', mode: 0o755, data: Buffer.alloc(0) });
  const children = (await readdir(path)).sort();
  for (const child of children) {
    const childPath = join(path, child);
    const childName = `${name}/${child}`;
    const stats = await lstat(childPath);
    if (stats.isDirectory()) {
      await collect(childPath, childName, into);
    } else if (stats.isFile()) {
      into.push({
        name: childName,
        kind: 'file',
        mode: (stats.mode & 0o111) !== 0 ? 0o755 : 0o644,
        data: await readFile(childPath),
      });
    } else {
      throw new LabError('LAB_FILES_INVALID', `${childPath} is neither a file nor a directory`, {
        hint: 'Only regular files and directories go into the image; replace links by the files they point to.',
      });
    }
  }
}

function tarEntry(entry: Entry): Buffer {
  const name = Buffer.from(entry.name, 'utf8');
  if (name.length > 100 || !/^[A-Za-z0-9._/-]+$/.test(entry.name)) {
    throw new LabError(
      'LAB_FILES_INVALID',
      `"${entry.name}" cannot be stored in the archive (at most 100 bytes of letters, digits, . _ / -)`,
    );
  }
  const header = Buffer.alloc(BLOCK);
  name.copy(header, 0);
  octal(entry.mode, 8).copy(header, 100);
  octal(0, 8).copy(header, 108); // uid
  octal(0, 8).copy(header, 116); // gid
  octal(entry.data.length, 12).copy(header, 124);
  octal(FIXED_MTIME, 12).copy(header, 136);
  header.fill(' ', 148, 156); // the checksum counts its own field as spaces
  header.write(entry.kind === 'directory' ? '5' : '0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  header.write('root', 265, 'ascii');
  header.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  Buffer.from(`${sum.toString(8).padStart(6, '0')}\u0000 `, 'ascii').copy(header, 148);
  const padding = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
  return Buffer.concat([header, entry.data, Buffer.alloc(padding)]);
}

/** A NUL-terminated octal field of `width` bytes. */
function octal(value: number, width: number): Buffer {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new LabError('LAB_FILES_INVALID', `${value} does not fit the archive`);
  return Buffer.from(`${digits.padStart(width - 1, '0')}\u0000`, 'ascii');
}
