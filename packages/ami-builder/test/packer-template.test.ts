// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HCL and bash interpolations are compared as literal text
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCheckScript, expectedCheckNames, parseCheckOutput } from '../src/index.js';

const run = promisify(execFile);
const PACKER_DIR = fileURLToPath(new URL('../../../packer/', import.meta.url));
const TEMPLATE = join(PACKER_DIR, 'pulsar-base.pkr.hcl');
const SCRIPTS = join(PACKER_DIR, 'scripts');
const UNITS = join(PACKER_DIR, 'files', 'systemd');

type Block = Record<string, unknown>;
let hcl: Record<string, unknown>;
let source: Block;
let variables: Record<string, Block>;
let locals: Record<string, string>;

beforeAll(async () => {
  hcl = await parse('pulsar-base.pkr.hcl', await readFile(TEMPLATE, 'utf8'));
  source = ((hcl.source as Record<string, Record<string, Block[]>>)['amazon-ebs']!.pulsar as Block[])[0]!;
  variables = Object.fromEntries(
    Object.entries(hcl.variable as Record<string, Block[]>).map(([name, blocks]) => [name, blocks[0]!]),
  );
  locals = Object.assign({}, ...(hcl.locals as Array<Record<string, string>>));
});

/** `Key = value` pairs written inside a local's `merge(…, { … })` expression. */
const mapKeys = (expression: string): Record<string, string> =>
  Object.fromEntries([...expression.matchAll(/^\s*(\w+)\s*=\s*(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));

describe('pulsar-base.pkr.hcl (parsed with a real HCL parser)', () => {
  it('requires the amazon plugin for current Packer', () => {
    const packer = (hcl.packer as Block[])[0]!;
    const plugins = (packer.required_plugins as Array<Record<string, Block>>)[0]!;
    expect(plugins.amazon?.source).toBe('github.com/hashicorp/amazon');
    // Bounded: a new major of the plugin may change the source's arguments.
    expect(plugins.amazon?.version).toBe('>= 1.3.0, < 2.0.0');
  });

  it('declares every variable the build driver passes, with the AMI-defining ones validated', () => {
    for (const name of [
      'region',
      'pulsar_version',
      'omb_commit',
      'java_version',
      'iam_instance_profile',
      'build_id',
      'subnet_id',
      'instance_type',
      'extra_tags',
      'lab_files_archive',
    ]) {
      expect(variables, name).toHaveProperty(name);
    }
    for (const name of ['pulsar_version', 'omb_commit', 'java_version', 'build_id']) {
      expect(variables[name]?.validation, name).toBeDefined();
    }
    // No default: a build must name the commit and the instance profile it uses.
    expect(variables.omb_commit).not.toHaveProperty('default');
    expect(variables.iam_instance_profile).not.toHaveProperty('default');
  });

  it('builds on Amazon Linux 2023 from Amazon’s own images', () => {
    const filter = (source.source_ami_filter as Block[])[0]!;
    expect((filter.filters as Record<string, string>).name).toMatch(/^al2023-ami-2023\./);
    expect((filter.filters as Record<string, string>).architecture).toBe('x86_64');
    expect(filter.owners).toEqual(['amazon']);
    expect(filter.most_recent).toBe(true);
  });

  it('names the AMI pulsar-base-<version>-<timestamp>', () => {
    expect(source.ami_name).toBe('${local.ami_name}');
    expect(locals.ami_name).toBe('pulsar-base-${var.pulsar_version}-${local.build_stamp}');
    expect(locals.build_stamp).toContain('timestamp()');
  });

  it('requires IMDSv2 on the build instance and the image', () => {
    expect((source.metadata_options as Block[])[0]).toMatchObject({
      http_tokens: 'required',
      http_endpoint: 'enabled',
    });
    expect(source.imds_support).toBe('v2.0');
  });

  it('encrypts the root volume and the AMI snapshot', () => {
    const root = (source.launch_block_device_mappings as Block[])[0]!;
    expect(root).toMatchObject({
      device_name: '/dev/xvda',
      encrypted: true,
      volume_type: 'gp3',
      delete_on_termination: true,
    });
    expect(source.encrypt_boot).toBe(true);
  });

  it('reaches the build instance through Session Manager with an instance profile (no inbound SSH)', () => {
    expect(source.communicator).toBe('ssh');
    expect(source.ssh_interface).toBe('session_manager');
    expect(source.iam_instance_profile).toBe('${var.iam_instance_profile}');
    expect(source).not.toHaveProperty('temporary_security_group_source_cidrs');
    expect(source).not.toHaveProperty('ssh_keypair_name');
  });

  it('tags the image and its snapshots with PulsarVersion, OmbCommit, BuildDate, Project and ManagedBy', () => {
    expect(source.tags).toBe('${local.image_tags}');
    expect(source.snapshot_tags).toBe('${local.image_tags}');
    const image = mapKeys(locals.image_tags!);
    expect(image).toMatchObject({
      PulsarVersion: 'var.pulsar_version',
      OmbCommit: 'var.omb_commit',
      BuildDate: 'timestamp()',
    });
    expect(locals.image_tags).toMatch(/^\$\{merge\(local\.lab_tags,/);
    const lab = mapKeys(locals.lab_tags!);
    expect(lab).toMatchObject({
      Project: '"pulsar-aws-lab"',
      ExperimentID: 'var.build_id',
      ManagedBy: 'var.managed_by',
    });
    // The lab's keys come last in merge(), so user tags cannot override them.
    expect(locals.lab_tags).toMatch(/^\$\{merge\(var\.extra_tags,/);
    expect(variables.managed_by?.default).toBe('lab-ami');
  });

  it('tags the build instance, its volumes, temporary security group and key pair for cleanup', () => {
    // run_tags also tag the temporary key pair, security group and instance profile (Packer docs).
    expect(source.run_tags).toBe('${local.build_instance_tags}');
    expect(source.run_volume_tags).toBe('${local.build_instance_tags}');
    expect(locals.build_instance_tags).toMatch(/^\$\{merge\(local\.lab_tags,/);
  });

  it('uploads the lab files as one archive to a file path, unpacks it, then provisions in order', async () => {
    const build = (hcl.build as Block[])[0]!;
    expect(build.sources).toEqual(['source.amazon-ebs.pulsar']);
    const provisioners = build.provisioner as Record<string, Block[]>;
    // One file to an explicit file destination: no directory upload whose result depends on
    // whether the destination exists.
    expect(provisioners.file?.map((file) => [file.source, file.destination])).toEqual([
      ['${var.lab_files_archive}', '${local.lab_archive_upload}'],
    ]);
    expect(locals.lab_archive_upload).toBe('/tmp/lab-image-files.tar.gz');
    const [unpack, shell] = provisioners.shell!;
    expect(unpack!.script).toBe('${path.root}/scripts/unpack-lab-files.sh');
    expect(unpack!.environment_vars).toEqual([
      'LAB_ARCHIVE=${local.lab_archive_upload}',
      'LAB_FILES=${local.lab_files_dir}',
      'LAB_SYSTEMD_FILES=${local.lab_systemd_dir}',
    ]);
    const scripts = (shell!.scripts as string[]).map((path) => path.replace('${path.root}/scripts/', ''));
    expect(scripts).toEqual([
      'base.sh',
      'install-pulsar.sh',
      'install-omb.sh',
      'install-lab.sh',
      'tune-os.sh',
      'finish.sh',
    ]);
    for (const script of [...scripts, 'unpack-lab-files.sh'])
      await expect(stat(join(SCRIPTS, script))).resolves.toBeDefined();
    expect(shell!.environment_vars).toEqual(
      expect.arrayContaining([
        'PULSAR_VERSION=${var.pulsar_version}',
        'OMB_COMMIT=${var.omb_commit}',
        'JAVA_VERSION=${var.java_version}',
        'LAB_FILES=${local.lab_files_dir}',
        'LAB_SYSTEMD_FILES=${local.lab_systemd_dir}',
      ]),
    );
  });

  it('verifies the Pulsar tarball against a SHA-512 pinned in the script, never one from the download host', async () => {
    const script = await readFile(join(SCRIPTS, 'install-pulsar.sh'), 'utf8');
    expect(script).not.toMatch(/\.sha512"/);
    expect(script).toMatch(/^ {4}4\.0\.4\) echo [0-9a-f]{128} ;;$/m);
    expect(script).toMatch(/sha512sum "\$tarball"/);
    expect(script.indexOf('SHA-512 mismatch')).toBeLessThan(script.indexOf('tar -xzf'));
  });

  it('installs the four units without enabling them', async () => {
    const script = await readFile(join(SCRIPTS, 'install-lab.sh'), 'utf8');
    expect(script).toContain('units=(zookeeper bookkeeper pulsar-broker omb-worker)');
    expect(script).not.toMatch(/systemctl\s+enable/);
    const all = await Promise.all(
      (await readdir(SCRIPTS)).map((name) => readFile(join(SCRIPTS, name), 'utf8')),
    );
    for (const text of all) expect(text).not.toMatch(/systemctl (--now )?enable (?!--now amazon-ssm-agent)/);
    expect((await readdir(UNITS)).sort()).toEqual([
      'bookkeeper.service',
      'omb-worker.service',
      'pulsar-broker.service',
      'zookeeper.service',
    ]);
  });

  it('has units that run as the pulsar user with the image paths and an install section', async () => {
    const expected: Record<string, string> = {
      'zookeeper.service': 'ExecStart=/opt/pulsar/bin/pulsar zookeeper',
      'bookkeeper.service': 'ExecStart=/opt/pulsar/bin/pulsar bookie',
      'pulsar-broker.service': 'ExecStart=/opt/pulsar/bin/pulsar broker',
      'omb-worker.service':
        'ExecStart=/opt/omb/bin/benchmark-worker --port ${LAB_WORKER_PORT} --stats-port ${LAB_WORKER_STATS_PORT}',
    };
    for (const [unit, exec] of Object.entries(expected)) {
      const text = await readFile(join(UNITS, unit), 'utf8');
      expect(text, unit).toContain(exec);
      expect(text, unit).toContain('User=pulsar');
      expect(text, unit).toContain('LimitNOFILE=1048576');
      expect(text, unit).toContain('WantedBy=multi-user.target');
    }
  });

  it('enables the SSM agent and tunes file limits and sysctls', async () => {
    expect(await readFile(join(SCRIPTS, 'base.sh'), 'utf8')).toContain(
      'systemctl enable --now amazon-ssm-agent',
    );
    const tune = await readFile(join(SCRIPTS, 'tune-os.sh'), 'utf8');
    expect(tune).toContain('pulsar hard nofile 1048576');
    expect(tune).toContain('vm.swappiness = 1');
  });
});

describe('provisioning scripts, executed under LAB_ROOT', () => {
  let dir: string;
  const owner = userInfo().username;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-image-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A fake Pulsar release tarball and its SHA-512. */
  async function release(name: string, version: string): Promise<{ tarball: string; sha512: string }> {
    const base = join(dir, name);
    const tree = join(base, 'build', `apache-pulsar-${version}`);
    await mkdir(join(tree, 'bin'), { recursive: true });
    await mkdir(join(tree, 'lib'), { recursive: true });
    await writeFile(join(tree, 'bin', 'pulsar'), '#!/usr/bin/env bash\necho pulsar\n');
    await chmod(join(tree, 'bin', 'pulsar'), 0o755);
    await writeFile(join(tree, 'lib', `org.apache.pulsar-pulsar-broker-${version}.jar`), 'jar');
    const tarball = join(base, `apache-pulsar-${version}-bin.tar.gz`);
    await run('tar', ['-czf', tarball, '-C', join(base, 'build'), `apache-pulsar-${version}`]);
    return {
      tarball,
      sha512: createHash('sha512')
        .update(await readFile(tarball))
        .digest('hex'),
    };
  }

  const installPulsar = (root: string, version: string, env: Record<string, string>) =>
    run('bash', [join(SCRIPTS, 'install-pulsar.sh')], {
      env: { ...process.env, LAB_ROOT: root, PULSAR_VERSION: version, PULSAR_OWNER: owner, ...env },
    });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable() as never,
      (error: unknown) => error as { code?: number; stderr: string },
    );

  it('install-pulsar.sh installs a local tarball whose SHA-512 matches behind /opt/pulsar', async () => {
    const root = join(dir, 'root-good');
    const { tarball, sha512 } = await release('good', '9.8.7');
    await installPulsar(root, '9.8.7', { PULSAR_TARBALL: tarball, PULSAR_SHA512: sha512.toUpperCase() });
    expect(await readlink(join(root, 'opt', 'pulsar'))).toBe('apache-pulsar-9.8.7');
    expect((await stat(join(root, 'opt', 'pulsar', 'bin', 'pulsar'))).mode & 0o111).not.toBe(0);
  });

  it('install-pulsar.sh refuses a version with no pinned digest (exit 2) and installs nothing', async () => {
    const root = join(dir, 'root-unpinned');
    const { tarball } = await release('unpinned', '9.8.6');
    const error = await failure(installPulsar(root, '9.8.6', { PULSAR_TARBALL: tarball }));
    expect(error.code).toBe(2);
    expect(error.stderr).toContain('no pinned SHA-512 for Pulsar 9.8.6 (pinned: 4.0.4)');
    await expect(stat(join(root, 'opt'))).rejects.toThrow();
  });

  it('install-pulsar.sh refuses a tarball whose SHA-512 does not match and installs nothing', async () => {
    const root = join(dir, 'root-bad');
    const { tarball } = await release('bad', '9.8.5');
    const error = await failure(
      installPulsar(root, '9.8.5', { PULSAR_TARBALL: tarball, PULSAR_SHA512: '0'.repeat(128) }),
    );
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('SHA-512 mismatch');
    await expect(stat(join(root, 'opt', 'apache-pulsar-9.8.5'))).rejects.toThrow();
  });

  it('install-pulsar.sh checks the pinned 4.0.4 digest even against a tarball that claims to be 4.0.4', async () => {
    const root = join(dir, 'root-fake-404');
    const { tarball } = await release('fake-404', '4.0.4');
    const error = await failure(installPulsar(root, '4.0.4', { PULSAR_TARBALL: tarball }));
    expect(error.stderr).toMatch(/SHA-512 mismatch .*expected 6dd1a969/);
  });

  it('install-lab.sh installs scripts executable and units, and fails without the lab scripts', async () => {
    const files = join(dir, 'lab-files');
    await mkdir(join(files, 'bin'), { recursive: true });
    await writeFile(join(files, 'bin', 'lab-bootstrap'), '#!/usr/bin/env bash\n');
    const root = join(dir, 'root-lab');
    const env = { ...process.env, LAB_ROOT: root, LAB_FILES: files, LAB_SYSTEMD_FILES: UNITS };
    const missing = await run('bash', [join(SCRIPTS, 'install-lab.sh')], { env }).catch((e: unknown) => e);
    expect((missing as { stderr: string }).stderr).toContain('missing /opt/lab/bin/lab-health-probe');

    await writeFile(join(files, 'bin', 'lab-health-probe'), '#!/usr/bin/env bash\n');
    await run('bash', [join(SCRIPTS, 'install-lab.sh')], { env });
    for (const script of ['lab-bootstrap', 'lab-health-probe']) {
      expect((await stat(join(root, 'opt', 'lab', 'bin', script))).mode & 0o777).toBe(0o755);
    }
    expect((await readdir(join(root, 'etc', 'systemd', 'system'))).sort()).toEqual([
      'bookkeeper.service',
      'omb-worker.service',
      'pulsar-broker.service',
      'zookeeper.service',
    ]);
  });

  it('tune-os.sh writes the limits and sysctl files', async () => {
    const root = join(dir, 'root-tune');
    await run('bash', [join(SCRIPTS, 'tune-os.sh')], { env: { ...process.env, LAB_ROOT: root } });
    expect(await readFile(join(root, 'etc', 'security', 'limits.d', '90-pulsar.conf'), 'utf8')).toContain(
      'nofile 1048576',
    );
    expect(await readFile(join(root, 'etc', 'sysctl.d', '90-pulsar.conf'), 'utf8')).toContain(
      'net.core.somaxconn = 65535',
    );
  });
});

describe('check-image.sh against a fake image', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-check-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function fakeImage(
    root: string,
    options: { version: string; executableProbe: boolean },
  ): Promise<string> {
    await mkdir(join(root, 'opt', `apache-pulsar-${options.version}`, 'lib'), { recursive: true });
    await writeFile(
      join(
        root,
        'opt',
        `apache-pulsar-${options.version}`,
        'lib',
        `org.apache.pulsar-pulsar-broker-${options.version}.jar`,
      ),
      '',
    );
    await writeFile(
      join(
        root,
        'opt',
        `apache-pulsar-${options.version}`,
        'lib',
        `org.apache.pulsar-pulsar-broker-common-${options.version}.jar`,
      ),
      '',
    );
    await symlink(`apache-pulsar-${options.version}`, join(root, 'opt', 'pulsar'));
    await mkdir(join(root, 'opt', 'omb', 'bin'), { recursive: true });
    for (const script of ['benchmark', 'benchmark-worker']) {
      await writeFile(join(root, 'opt', 'omb', 'bin', script), '');
      await chmod(join(root, 'opt', 'omb', 'bin', script), 0o755);
    }
    await run('git', ['init', '-q', join(root, 'opt', 'omb')]);
    await run('git', [
      '-C',
      join(root, 'opt', 'omb'),
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@e',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'omb',
    ]);
    const { stdout: commit } = await run('git', ['-C', join(root, 'opt', 'omb'), 'rev-parse', 'HEAD']);
    await mkdir(join(root, 'etc', 'systemd', 'system'), { recursive: true });
    for (const unit of ['zookeeper', 'bookkeeper', 'pulsar-broker', 'omb-worker']) {
      await writeFile(join(root, 'etc', 'systemd', 'system', `${unit}.service`), '');
    }
    await mkdir(join(root, 'opt', 'lab', 'bin'), { recursive: true });
    await writeFile(join(root, 'opt', 'lab', 'bin', 'lab-bootstrap'), '');
    await chmod(join(root, 'opt', 'lab', 'bin', 'lab-bootstrap'), 0o755);
    await writeFile(join(root, 'opt', 'lab', 'bin', 'lab-health-probe'), '');
    if (options.executableProbe) await chmod(join(root, 'opt', 'lab', 'bin', 'lab-health-probe'), 0o755);
    // Stand-ins for java and systemctl (the test machine has neither, or the wrong ones).
    const bin = join(root, 'fake-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, 'java'),
      '#!/usr/bin/env bash\necho \'openjdk version "21.0.5" 2024-10-15 LTS\' >&2\n',
    );
    await writeFile(join(bin, 'systemctl'), '#!/usr/bin/env bash\necho disabled\nexit 1\n');
    for (const tool of ['jq', 'curl', 'nc']) await writeFile(join(bin, tool), '#!/usr/bin/env bash\n');
    for (const file of await readdir(bin)) await chmod(join(bin, file), 0o755);
    return commit.trim();
  }

  const runChecks = async (
    root: string,
    expect: { pulsarVersion: string; ombCommit: string; javaVersion?: string },
  ) => {
    const script = join(root, 'check.sh');
    await writeFile(script, buildCheckScript(expect));
    const { stdout } = await run('bash', [script], {
      env: { ...process.env, LAB_ROOT: root, PATH: `${join(root, 'fake-bin')}:${process.env.PATH}` },
    });
    return parseCheckOutput(stdout);
  };

  it('passes every check on an image that matches its tags', async () => {
    const root = join(dir, 'good');
    const commit = await fakeImage(root, { version: '4.0.4', executableProbe: true });
    const checks = await runChecks(root, { pulsarVersion: '4.0.4', ombCommit: commit, javaVersion: '21' });
    expect(checks.map((check) => check.name)).toEqual(expectedCheckNames());
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  it('fails the version, OMB commit, Java and script checks that do not match', async () => {
    const root = join(dir, 'bad');
    await fakeImage(root, { version: '4.0.3', executableProbe: false });
    const checks = await runChecks(root, {
      pulsarVersion: '4.0.4',
      ombCommit: 'f'.repeat(40),
      javaVersion: '17',
    });
    const failed = Object.fromEntries(
      checks.filter((check) => !check.ok).map((check) => [check.name, check.actual]),
    );
    expect(failed).toEqual({
      'pulsar.version': '4.0.3',
      'pulsar.path': '/opt/apache-pulsar-4.0.3',
      'java.version': 'openjdk version "21.0.5" 2024-10-15 LTS',
      'omb.commit': expect.stringMatching(/^[0-9a-f]{40}$/),
      'script.lab-health-probe': 'not executable',
    });
  });

  it('reports a check that printed nothing as failed', () => {
    const checks = parseCheckOutput('LAB-CHECK\tpulsar.version\tok\t4.0.4\t4.0.4\n');
    expect(checks.find((check) => check.name === 'pulsar.version')?.ok).toBe(true);
    expect(checks.find((check) => check.name === 'tools')).toEqual({
      name: 'tools',
      ok: false,
      expected: 'a result',
      actual: 'no result',
    });
  });
});
