import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLabFilesArchive } from '../src/index.js';

const run = promisify(execFile);
const FILES = fileURLToPath(new URL('../../../packer/files/', import.meta.url));

describe('writeLabFilesArchive (read back with GNU tar)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-archive-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeFiles(name: string): Promise<string> {
    const files = join(dir, name);
    await mkdir(join(files, 'lab', 'bin'), { recursive: true });
    await mkdir(join(files, 'systemd'), { recursive: true });
    await writeFile(join(files, 'lab', 'bin', 'tool'), '#!/usr/bin/env bash\necho hi\n');
    await chmod(join(files, 'lab', 'bin', 'tool'), 0o700);
    // More than one 512-byte block, not a multiple of it.
    await writeFile(join(files, 'lab', 'notes.txt'), 'x'.repeat(1300));
    await writeFile(join(files, 'systemd', 'a.service'), '[Unit]\n');
    return files;
  }

  it('packs lab/ and systemd/ with root ownership, 0755/0644 modes and exact contents', async () => {
    const files = await fakeFiles('good');
    const archive = await writeLabFilesArchive({ filesDir: files, destination: join(dir, 'good.tar.gz') });
    expect(archive.entries).toEqual([
      'lab/',
      'lab/bin/',
      'lab/bin/tool',
      'lab/notes.txt',
      'systemd/',
      'systemd/a.service',
    ]);
    const { stdout } = await run('tar', ['-tvzf', archive.path, '--numeric-owner']);
    const listing = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/))
      .map((fields) => [fields[0], fields[1], fields.at(-1)]);
    expect(listing).toEqual([
      ['drwxr-xr-x', '0/0', 'lab/'],
      ['drwxr-xr-x', '0/0', 'lab/bin/'],
      ['-rwxr-xr-x', '0/0', 'lab/bin/tool'],
      ['-rw-r--r--', '0/0', 'lab/notes.txt'],
      ['drwxr-xr-x', '0/0', 'systemd/'],
      ['-rw-r--r--', '0/0', 'systemd/a.service'],
    ]);
    const out = join(dir, 'good-out');
    await mkdir(out);
    await run('tar', ['-xzf', archive.path, '-C', out]);
    expect(await readFile(join(out, 'lab', 'notes.txt'), 'utf8')).toBe('x'.repeat(1300));
    expect(await readFile(join(out, 'lab', 'bin', 'tool'), 'utf8')).toBe('#!/usr/bin/env bash\necho hi\n');
  });

  it('writes the same bytes for the same files', async () => {
    const files = await fakeFiles('same');
    const first = await writeLabFilesArchive({ filesDir: files, destination: join(dir, 'a.tar.gz') });
    const second = await writeLabFilesArchive({ filesDir: files, destination: join(dir, 'b.tar.gz') });
    expect(second.sha256).toBe(first.sha256);
  });

  it('packs the real packer/files with the scripts executable', async () => {
    const archive = await writeLabFilesArchive({ filesDir: FILES, destination: join(dir, 'real.tar.gz') });
    expect(archive.entries).toContain('lab/bin/lab-bootstrap');
    expect(archive.entries).toContain('systemd/pulsar-broker.service');
    const { stdout } = await run('tar', ['-tvzf', archive.path]);
    expect(stdout).toMatch(/^-rwxr-xr-x .* lab\/bin\/lab-health-probe$/m);
  });

  it('refuses a symbolic link and a missing directory', async () => {
    const files = await fakeFiles('link');
    await symlink('/etc/passwd', join(files, 'lab', 'bin', 'passwd'));
    await expect(
      writeLabFilesArchive({ filesDir: files, destination: join(dir, 'link.tar.gz') }),
    ).rejects.toMatchObject({
      code: 'LAB_FILES_INVALID',
      message: expect.stringContaining('lab/bin/passwd'),
    });

    const missing = join(dir, 'missing');
    await mkdir(join(missing, 'lab', 'bin'), { recursive: true });
    await expect(
      writeLabFilesArchive({ filesDir: missing, destination: join(dir, 'missing.tar.gz') }),
    ).rejects.toMatchObject({ code: 'LAB_FILES_MISSING', message: expect.stringContaining('systemd') });
  });
});
