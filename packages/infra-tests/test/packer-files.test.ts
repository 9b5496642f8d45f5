// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL interpolations are compared as literal text
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { writeLabFilesArchive } from '@lab/ami-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKER_DIR, PACKER_TEMPLATE } from './support/paths.js';
import type { Hcl } from './support/terraform.js';

const run = promisify(execFile);
const SCRIPTS = join(PACKER_DIR, 'scripts');

/** The template's provisioners, with `${local.…}` resolved to the locals' literal values. */
interface Provisioning {
  upload: { source: string; destination: string };
  unpackEnv: Record<string, string>;
  installEnv: Record<string, string>;
}

async function provisioning(): Promise<Provisioning> {
  const hcl = (await parse('pulsar-base.pkr.hcl', await readFile(PACKER_TEMPLATE, 'utf8'))) as Hcl;
  const locals = Object.assign({}, ...(hcl.locals as Hcl[])) as Record<string, unknown>;
  const resolve = (text: string) =>
    text.replace(/\$\{local\.(\w+)\}/g, (_, name: string) => {
      const value = locals[name];
      if (typeof value !== 'string' || value.includes('${'))
        throw new Error(`local.${name} is not a literal`);
      return value;
    });
  const env = (block: Hcl) =>
    Object.fromEntries(
      (block.environment_vars as string[]).map((pair) => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), resolve(pair.slice(at + 1))];
      }),
    );
  const provisioners = (hcl.build as Hcl[])[0]!.provisioner as Record<string, Hcl[]>;
  const files = provisioners.file!;
  expect(files).toHaveLength(1);
  const shells = provisioners.shell!;
  const unpack = shells.find((shell) => String(shell.script).endsWith('/unpack-lab-files.sh'))!;
  const install = shells.find((shell) =>
    ((shell.scripts ?? []) as string[]).some((script) => script.endsWith('/install-lab.sh')),
  )!;
  // The archive is unpacked before anything is installed.
  expect(shells.indexOf(unpack)).toBeLessThan(shells.indexOf(install));
  return {
    upload: { source: files[0]!.source as string, destination: resolve(files[0]!.destination as string) },
    unpackEnv: env(unpack),
    installEnv: env(install),
  };
}

describe('the lab files reach install-lab.sh as the template uploads and unpacks them', () => {
  let dir: string;
  let template: Provisioning;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-packer-files-'));
    template = await provisioning();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Puts `archive` where the file provisioner uploads it, inside `root`. */
  async function upload(root: string, archive: string): Promise<void> {
    const target = join(root, template.upload.destination);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(archive, target);
  }

  const unpack = (root: string) =>
    run('bash', [join(SCRIPTS, 'unpack-lab-files.sh')], {
      env: { ...process.env, ...template.unpackEnv, LAB_ROOT: root },
    });

  it('uploads the archive lab-ami writes, to a file path, and unpacks it where install-lab.sh reads', async () => {
    expect(template.upload.source).toBe('${var.lab_files_archive}');
    expect(template.upload.destination).toMatch(/^\/tmp\/[\w.-]+\.tar\.gz$/);
    expect(template.unpackEnv.LAB_ARCHIVE).toBe(template.upload.destination);
    expect(template.unpackEnv.LAB_FILES).toBe(template.installEnv.LAB_FILES);
    expect(template.unpackEnv.LAB_SYSTEMD_FILES).toBe(template.installEnv.LAB_SYSTEMD_FILES);
  });

  it('installs every lab script executable and every unit from the archive lab-ami builds', async () => {
    const root = join(dir, 'root');
    // The same function `lab-ami build` uses, on the real packer/files.
    const archive = await writeLabFilesArchive({
      filesDir: join(PACKER_DIR, 'files'),
      destination: join(dir, 'lab-image-files.tar.gz'),
    });
    await upload(root, archive.path);
    await unpack(root);
    await expect(stat(join(root, template.upload.destination))).rejects.toThrow();

    const env = {
      ...process.env,
      LAB_ROOT: root,
      // install-lab.sh reads these as given (its LAB_ROOT prefixes only what it writes).
      LAB_FILES: join(root, template.installEnv.LAB_FILES!),
      LAB_SYSTEMD_FILES: join(root, template.installEnv.LAB_SYSTEMD_FILES!),
    };
    await run('bash', [join(SCRIPTS, 'install-lab.sh')], { env });

    const sourceBin = (await readdir(join(PACKER_DIR, 'files', 'lab', 'bin'))).sort();
    expect(sourceBin).toEqual(expect.arrayContaining(['lab-bootstrap', 'lab-health-probe']));
    expect((await readdir(join(root, 'opt', 'lab', 'bin'))).sort()).toEqual(sourceBin);
    for (const script of sourceBin) {
      const installed = join(root, 'opt', 'lab', 'bin', script);
      expect((await stat(installed)).mode & 0o777, script).toBe(0o755);
      expect(await readFile(installed, 'utf8'), script).toBe(
        await readFile(join(PACKER_DIR, 'files', 'lab', 'bin', script), 'utf8'),
      );
    }
    const units = (await readdir(join(PACKER_DIR, 'files', 'systemd'))).sort();
    expect((await readdir(join(root, 'etc', 'systemd', 'system'))).sort()).toEqual(units);
    for (const unit of units) {
      expect(await readFile(join(root, 'etc', 'systemd', 'system', unit), 'utf8')).toBe(
        await readFile(join(PACKER_DIR, 'files', 'systemd', unit), 'utf8'),
      );
    }
  });

  /** A .tar.gz made by GNU tar from `layout` (path → content); `-P` keeps `..` in names. */
  async function tarball(name: string, layout: Record<string, string>, members: string[]): Promise<string> {
    const source = join(dir, `${name}-src`);
    for (const [path, content] of Object.entries(layout)) {
      await mkdir(dirname(join(source, path)), { recursive: true });
      await writeFile(join(source, path), content);
    }
    const archive = join(dir, `${name}.tar.gz`);
    await run('tar', ['-czPf', archive, ...members], { cwd: source });
    return archive;
  }

  const refused = async (name: string, archive: string, message: string) => {
    const root = join(dir, name);
    await upload(root, archive);
    const error = (await unpack(root).catch((e: unknown) => e)) as { code?: number; stderr?: string };
    expect(error.code, name).toBe(1);
    expect(error.stderr, name).toContain(message);
    // Nothing was put where install-lab.sh reads.
    await expect(stat(join(root, template.unpackEnv.LAB_FILES!))).rejects.toThrow();
    await expect(stat(join(root, template.unpackEnv.LAB_SYSTEMD_FILES!))).rejects.toThrow();
  };

  it('refuses an archive with entries outside lab/ and systemd/, or without systemd/', async () => {
    const good = { 'lab/bin/lab-bootstrap': '#!/bin/sh\n', 'systemd/a.service': '[Unit]\n' };
    await refused(
      'outside',
      await tarball('outside', { ...good, 'etc/passwd': 'x' }, ['lab', 'systemd', 'etc']),
      "entry 'etc/' is outside lab/ and systemd/",
    );
    await refused(
      'dotdot',
      await tarball('dotdot', { ...good, 'x/evil': 'x' }, ['lab', 'systemd', 'lab/../x/evil']),
      "entry 'lab/../x/evil' is outside lab/ and systemd/",
    );
    await refused(
      'no-units',
      await tarball('no-units', { 'lab/bin/lab-bootstrap': '#!/bin/sh\n' }, ['lab']),
      'it has no systemd/',
    );
    const notGzip = join(dir, 'plain.tar.gz');
    await writeFile(notGzip, 'not an archive');
    await refused('plain', notGzip, 'is not a readable .tar.gz');
  });
});
