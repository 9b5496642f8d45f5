import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { createEmitter, type EventSink, LabError, withContext } from '@lab/core';
import { type ProcessRunner, runProcess } from '@lab/core/process';
import { withDirectoryLock } from './lock.js';

/** What every node of a local cluster runs: the same Pulsar and OMB an AMI bakes. */
export interface LocalImage {
  pulsarVersion: string;
  /** `…/opt/apache-pulsar-<version>`, installed by packer/scripts/install-pulsar.sh. */
  pulsarHome: string;
  ombCommit: string;
  /** `…/opt/omb`, built by packer/scripts/install-omb.sh. */
  ombHome: string;
}

export interface LocalImageOptions {
  /** Where images are kept between experiments (e.g. `~/.pulsar-aws-lab/cache/local`). */
  cacheDir: string;
  /** The lab's `packer/` directory: its scripts install the image. */
  packerDir: string;
  pulsarVersion: string;
  /** A local copy of the Pulsar binary distribution; default: download (Maven Central). */
  pulsarTarball?: string | undefined;
  /** The OMB commit the AMI bakes. */
  ombCommit: string;
  /** A git URL, a git checkout, or a `git archive` tarball of that commit; default: OMB's GitHub. */
  ombSource?: string | undefined;
  runner?: ProcessRunner;
  events?: EventSink;
  signal?: AbortSignal | undefined;
}

/** The marker install-omb.sh writes last: its presence means the build finished. */
const OMB_MARKER = '.lab-omb-commit';
const PULSAR_MARKER = '.lab-complete';

/**
 * Installs Pulsar and builds OMB with the AMI's own scripts, once per version and commit, into
 * the cache; later experiments reuse them. Concurrent callers wait for each other (a lock per
 * image part), and a half-finished install from an interrupted run is removed and redone.
 */
export async function ensureLocalImage(options: LocalImageOptions): Promise<LocalImage> {
  const events = createEmitter({ source: '@lab/local-cluster', sink: options.events, prefix: 'image' });
  const cacheDir = resolve(options.cacheDir);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const pulsarRoot = join(cacheDir, `pulsar-${options.pulsarVersion}`);
  const pulsarHome = join(pulsarRoot, 'opt', `apache-pulsar-${options.pulsarVersion}`);
  const ombRoot = join(cacheDir, `omb-${options.ombCommit}`);
  const ombHome = join(ombRoot, 'opt', 'omb');

  await withDirectoryLock(`${pulsarRoot}.lock`, options.signal, async () => {
    if (existsSync(join(pulsarRoot, PULSAR_MARKER))) return;
    await rm(pulsarRoot, { recursive: true, force: true });
    events.emit(
      'pulsar',
      `Installing Apache Pulsar ${options.pulsarVersion} with install-pulsar.sh${options.pulsarTarball === undefined ? ' (download)' : ` from ${options.pulsarTarball}`}`,
    );
    await runScript(options, 'install-pulsar.sh', {
      LAB_ROOT: pulsarRoot,
      PULSAR_VERSION: options.pulsarVersion,
      PULSAR_OWNER: userInfo().username,
      ...(options.pulsarTarball === undefined ? {} : { PULSAR_TARBALL: resolve(options.pulsarTarball) }),
    });
    await writeMarker(join(pulsarRoot, PULSAR_MARKER));
  });

  await withDirectoryLock(`${ombRoot}.lock`, options.signal, async () => {
    if ((await readMarker(join(ombHome, OMB_MARKER))) === options.ombCommit) return;
    await rm(ombRoot, { recursive: true, force: true });
    const source = options.ombSource === undefined ? undefined : sourceArgument(options.ombSource);
    events.emit(
      'omb',
      `Building OpenMessaging Benchmark ${options.ombCommit.slice(0, 12)} with install-omb.sh (Pulsar driver only; a few minutes the first time)`,
    );
    await runScript(options, 'install-omb.sh', {
      LAB_ROOT: ombRoot,
      OMB_COMMIT: options.ombCommit,
      OMB_MAVEN_REPO: join(cacheDir, 'maven-repository'),
      ...(source === undefined ? {} : { OMB_SOURCE: source }),
    });
  });
  return { pulsarVersion: options.pulsarVersion, pulsarHome, ombCommit: options.ombCommit, ombHome };
}

/** A local path is made absolute (the script runs elsewhere); a URL is passed as it is. */
function sourceArgument(source: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^:]+:/.test(source) ? source : resolve(source);
}

async function runScript(options: LocalImageOptions, script: string, env: Record<string, string>) {
  const path = join(options.packerDir, 'scripts', script);
  const events = createEmitter({ source: '@lab/local-cluster', sink: options.events, prefix: 'image' });
  const result = await (options.runner ?? runProcess)({
    command: 'bash',
    args: [path],
    env,
    signal: options.signal,
    onLine: (line) => events.emit('line', line, { script }, 'debug'),
  });
  if (options.signal?.aborted) throw options.signal.reason;
  if (result.exitCode !== 0) {
    const tail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-12).join('\n');
    throw new LabError(
      result.exitCode === 2 ? 'LOCAL_IMAGE_INPUT' : 'LOCAL_IMAGE_FAILED',
      `${script} failed (exit ${result.exitCode ?? result.signal}):\n${tail}`,
      {
        hint:
          script === 'install-omb.sh'
            ? 'The OMB build needs a JDK 17+ (javac) and Maven Central; pass --omb-source with a git archive of the pinned commit to build without GitHub'
            : 'Pass --pulsar-tarball with the Apache Pulsar binary distribution to install without downloading',
        details: { script, exitCode: result.exitCode },
      },
    );
  }
}

async function writeMarker(path: string): Promise<void> {
  try {
    await writeFile(path, `${new Date().toISOString()}\n`);
  } catch (error) {
    throw withContext(error, `Recording the finished install in ${path}`);
  }
}

async function readMarker(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
    return (await readFile(path, 'utf8')).trim();
  } catch {
    // No marker: the build never finished.
    return undefined;
  }
}
