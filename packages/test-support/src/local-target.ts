import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeWhen } from './gate.js';
import { findTool } from './tools.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** What tests of the local target install their cluster from: a shared cache, and local inputs when known. */
export interface LocalTargetInputs {
  /** `$PULSAR_AWS_LAB_CACHE/local`: reused across runs (installing Pulsar and building OMB take a minute). */
  cacheDir: string;
  /** `LAB_PULSAR_TARBALL`; absent: install-pulsar.sh downloads the distribution. */
  pulsarTarball: string | undefined;
  /**
   * `LAB_OMB_SOURCE`, else a `git archive` of the pinned OMB commit kept beside the checkout
   * (`../shared/omb/openmessaging-benchmark-*.tar.gz`); absent: OMB's git repository.
   */
  ombSource: string | undefined;
}

export function localTargetInputs(): LocalTargetInputs {
  const archives = join(REPO, '..', 'shared', 'omb');
  const archive = existsSync(archives)
    ? readdirSync(archives).find((name) => /^openmessaging-benchmark-.*\.tar\.gz$/.test(name))
    : undefined;
  return {
    // The same place lab-orchestrate uses for PULSAR_AWS_LAB_CACHE, so CI's smoke run and the tests share it.
    cacheDir: join(process.env.PULSAR_AWS_LAB_CACHE ?? join(REPO, '.lab-tools', 'cache'), 'local'),
    pulsarTarball: process.env.LAB_PULSAR_TARBALL || undefined,
    ombSource: process.env.LAB_OMB_SOURCE || (archive === undefined ? undefined : join(archives, archive)),
  };
}

function javaMajor(): number {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return Number(/version "(?:1\.)?(\d+)/.exec(`${run.stderr ?? ''}${run.stdout ?? ''}`)?.[1] ?? 0);
}

/**
 * `describe` for suites that start real Pulsar and OMB on this machine: they need a JDK 17+
 * (javac builds OMB), jq, curl and iproute2. Skipped with one loud line locally when something
 * is missing, failing under CI.
 */
export function describeWithLocalTarget(name: string, body: (inputs: LocalTargetInputs) => void): void {
  const missing = [
    ...['javac', 'jq', 'curl', 'ip', 'ss', 'setsid'].filter((tool) => findTool(tool) === undefined),
    ...(findTool('java') === undefined || javaMajor() < 17 ? ['java 17+'] : []),
  ];
  const inputs = localTargetInputs();
  const why =
    missing.length > 0
      ? `the local target needs ${missing.join(', ')} (apt-get install openjdk-17-jdk-headless jq curl iproute2)`
      : ombSourceProblem(inputs);
  describeWhen(why === undefined, why ?? '', name, () => body(inputs));
}

/** OMB's git repository: the source when no archive or checkout is given. */
const OMB_GIT = 'https://github.com/openmessaging/benchmark.git';

/**
 * Why OMB cannot be had, if it cannot: no build in the cache, no `LAB_OMB_SOURCE`, no archive
 * beside the checkout, and its git repository unreachable (a machine without network to GitHub).
 */
function ombSourceProblem(inputs: LocalTargetInputs): string | undefined {
  if (inputs.ombSource !== undefined) return undefined;
  // A finished build (its marker written), as @lab/local-cluster's image cache keeps it.
  const cached =
    existsSync(inputs.cacheDir) &&
    readdirSync(inputs.cacheDir).some(
      (entry) =>
        entry.startsWith('omb-') && existsSync(join(inputs.cacheDir, entry, 'opt/omb/.lab-omb-commit')),
    );
  if (cached) return undefined;
  const reach = spawnSync('git', ['ls-remote', '--exit-code', OMB_GIT, 'HEAD'], {
    stdio: 'ignore',
    timeout: 20_000,
  });
  if (reach.status === 0) return undefined;
  return `OMB's source is out of reach: no LAB_OMB_SOURCE, no ../shared/omb/openmessaging-benchmark-*.tar.gz beside the checkout, and ${OMB_GIT} does not answer (set LAB_OMB_SOURCE to a checkout or a git archive of the pinned commit)`;
}
