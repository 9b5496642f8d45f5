import { OMB_WORKERS_PATH } from '@lab/infra';
import { benchmarkArgs } from '@lab/omb';
import { shellJoin, shellQuote } from '@lab/ssm-runner';

/** The OMB checkout on every instance (baked into the AMI). */
export const OMB_HOME = '/opt/omb';
/** Where the lab keeps an experiment's OMB files on the client that drives the benchmark. */
export const REMOTE_ROOT = '/var/lib/lab/omb';

/** The remote files and commands of one OMB run. */
export interface RemoteRun {
  /** The run's directory on the client. */
  dir: string;
  driverFile: string;
  workloadFile: string;
  resultFile: string;
  logFile: string;
  /** Starts OMB detached (its own session), so a short SSM command returns at once. */
  startScript: string;
  /** Prints `running`, `exited <code>` or `vanished`, then the latest `Pub rate` line. */
  pollScript: string;
  /**
   * Stops OMB: SIGTERM to its process group (the JVM runs its shutdown hooks), SIGKILL after
   * 10 s. Not SIGINT: a command started with `&` by a non-interactive shell ignores it.
   */
  stopScript: string;
  /** The `bin/benchmark` command line. */
  benchmark: string[];
}

export function remoteExperimentDir(experimentId: string): string {
  return `${REMOTE_ROOT}/${experimentId}`;
}

/**
 * The files and scripts of a run. Every path goes through `shellQuote`; OMB's own arguments are
 * checked by `benchmarkArgs` (no character that needs quoting).
 */
export function remoteRun(options: {
  experimentId: string;
  runId: string;
  distributed: boolean;
  /** The OMB checkout (tests run the scripts against a fake one). Default OMB_HOME. */
  ombHome?: string;
  /** Default REMOTE_ROOT. */
  root?: string;
  /** The worker list lab-bootstrap wrote. Default OMB_WORKERS_PATH. */
  workersFile?: string;
  /** The driver's JVM options (`HEAP_OPTS`); bin/benchmark's own default is a 4 GiB heap. */
  heapOptions?: string;
}): RemoteRun {
  const base = `${options.root ?? REMOTE_ROOT}/${options.experimentId}`;
  const dir = `${base}/${options.runId}`;
  const driverFile = `${base}/driver.yaml`;
  const workloadFile = `${dir}/workload.yaml`;
  const resultFile = `${dir}/result.json`;
  const logFile = `${dir}/omb.log`;
  const benchmark = benchmarkArgs({
    driverFile,
    workloadFiles: [workloadFile],
    outputFile: resultFile,
    ...(options.distributed ? { workersFile: options.workersFile ?? OMB_WORKERS_PATH } : {}),
  });
  const q = shellQuote;
  // The inner script gets the run directory as $1, so nothing is quoted twice.
  const heap = options.heapOptions === undefined ? '' : `HEAP_OPTS=${q(options.heapOptions)} `;
  const inner = `cd ${q(options.ombHome ?? OMB_HOME)} && ${heap}${shellJoin(benchmark)} >"$1/omb.log" 2>&1; echo $? >"$1/exit-code"`;
  const startScript = [
    'set -euo pipefail',
    `dir=${q(dir)}`,
    'rm -f "$dir/exit-code" "$dir/result.json" "$dir/omb.log" "$dir/pid"',
    '# shellcheck disable=SC2016 # $1 is expanded by the inner bash',
    `setsid nohup bash -c ${q(inner)} lab-omb "$dir" </dev/null >/dev/null 2>&1 &`,
    'echo $! >"$dir/pid"',
    'echo "started $(cat "$dir/pid")"',
  ].join('\n');
  const pollScript = [
    'set -uo pipefail',
    `dir=${q(dir)}`,
    'if [ -f "$dir/exit-code" ]; then echo "exited $(cat "$dir/exit-code")"',
    'elif kill -0 "$(cat "$dir/pid" 2>/dev/null || echo 0)" 2>/dev/null; then echo running',
    'else echo vanished; fi',
    'grep -a "Pub rate" "$dir/omb.log" 2>/dev/null | tail -n 1 || true',
  ].join('\n');
  const stopScript = [
    'set -uo pipefail',
    `dir=${q(dir)}`,
    'pid=$(cat "$dir/pid" 2>/dev/null) || { echo "not started"; exit 0; }',
    'kill -TERM -- "-$pid" 2>/dev/null || { echo "not running"; exit 0; }',
    'for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || { echo stopped; exit 0; }; sleep 0.5; done',
    'kill -KILL -- "-$pid" 2>/dev/null || true',
    'echo killed',
  ].join('\n');
  return {
    dir,
    driverFile,
    workloadFile,
    resultFile,
    logFile,
    startScript,
    pollScript,
    stopScript,
    benchmark,
  };
}

export interface PollState {
  state: 'running' | 'exited' | 'vanished' | 'unknown';
  exitCode?: number;
  publishRate?: number;
  consumeRate?: number;
}

const RATE = /Pub rate\s+([\d.,]+)\s*msg\/s.*?Cons rate\s+([\d.,]+)\s*msg\/s/;

/** Reads what `pollScript` printed. */
export function parsePollOutput(stdout: string): PollState {
  const [first = '', ...rest] = stdout.trim().split('\n');
  const exited = /^exited (-?\d+)$/.exec(first.trim());
  const state: PollState = exited
    ? { state: 'exited', exitCode: Number(exited[1]) }
    : first.trim() === 'running' || first.trim() === 'vanished'
      ? { state: first.trim() as 'running' | 'vanished' }
      : { state: 'unknown' };
  const rate = RATE.exec(rest.join('\n'));
  if (rate) {
    state.publishRate = Number(rate[1]!.replaceAll(',', ''));
    state.consumeRate = Number(rate[2]!.replaceAll(',', ''));
  }
  return state;
}

/** The JVM memory flags of a role, as lab-bootstrap writes them for the services. */
export function jvmOptions(memory: { heapMb: number; directMemoryMb: number }): string {
  return [
    `-Xms${memory.heapMb}m`,
    `-Xmx${memory.heapMb}m`,
    ...(memory.directMemoryMb > 0 ? [`-XX:MaxDirectMemorySize=${memory.directMemoryMb}m`] : []),
  ].join(' ');
}

/**
 * Creates OMB's tenant once, before any worker starts: every worker's Pulsar driver creates it
 * when missing, and Pulsar 4.0.4 answers two workers racing to do so with HTTP 500 (BadVersion)
 * instead of the 409 the driver tolerates — the workload then fails. An existing tenant is fine.
 */
export function ombTenantScript(options: { webServiceUrl: string; tenant: string; cluster: string }): string {
  const q = shellQuote;
  const url = `${options.webServiceUrl}/admin/v2/tenants/${options.tenant}`;
  const body = JSON.stringify({ adminRoles: [], allowedClusters: [options.cluster] });
  return [
    'set -euo pipefail',
    'answer=$(mktemp)',
    'trap \'rm -f "$answer"\' EXIT',
    `code=$(curl -sS --max-time 30 -o "$answer" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' --data ${q(body)} ${q(url)})`,
    'case "$code" in',
    `  200 | 204) echo "created tenant ${options.tenant}" ;;`,
    `  409) echo "tenant ${options.tenant} exists" ;;`,
    '  *) echo "HTTP $code from $(head -c 300 "$answer")" >&2; exit 1 ;;',
    'esac',
  ].join('\n');
}
