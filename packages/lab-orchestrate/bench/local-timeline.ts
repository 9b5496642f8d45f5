// The local target's timeline and memory: runs `lab-orchestrate full --target local` with a test
// plan (default the smoke plan) and prints how long each part took — install, nodes healthy,
// each run, report, teardown — what is left once OMB's own warm-up and test minutes are taken
// out, and the peak memory of the experiment's processes (PSS: shared pages counted once; RSS
// over-counts the JVMs' multi-mapped ZGC heaps).
//
//   pnpm --filter @lab/lab-orchestrate bench:local [-- --test-plan FILE] [--pulsar-tarball F] [--omb-source S]
//
// Reuses PULSAR_AWS_LAB_CACHE (default .lab-tools/cache) so a warm cache measures the steady state.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentProcesses } from '@lab/local-cluster';
import { parse } from 'yaml';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string) => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};
const plan = option('--test-plan') ?? join(REPO, 'configs/test-plans/smoke.yaml');
const home = await mkdtemp(join(tmpdir(), 'lab-bench-local-'));
const cache = process.env.PULSAR_AWS_LAB_CACHE ?? join(REPO, '.lab-tools', 'cache');

const started = Date.now();
const lines: Array<{ at: number; text: string }> = [];
const child = spawn(
  process.execPath,
  [
    join(REPO, 'packages/lab-orchestrate/dist/cli.js'),
    'full',
    '--target',
    'local',
    '--test-plan',
    plan,
    '--yes',
    '--home',
    home,
    ...['--pulsar-tarball', '--omb-source'].flatMap((name) => {
      const value = option(name);
      return value === undefined ? [] : [name, value];
    }),
  ],
  {
    env: { ...process.env, NO_COLOR: '1', CI: '1', PULSAR_AWS_LAB_CACHE: cache },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
let buffer = '';
const onData = (chunk: Buffer) => {
  buffer += chunk.toString();
  const parts = buffer.split('\n');
  buffer = parts.pop() ?? '';
  for (const text of parts) lines.push({ at: Date.now(), text });
};
child.stdout.on('data', onData);
child.stderr.on('data', onData);

let experimentId: string | undefined;
let peakPss = 0;
let peakRss = 0;
let peakProcesses = 0;
const sampler = setInterval(async () => {
  experimentId ??= lines.map((line) => /Experiment (exp-[\d-]+) \(/.exec(line.text)?.[1]).find(Boolean);
  if (experimentId === undefined) return;
  let pss = 0;
  let rss = 0;
  const processes = await experimentProcesses(experimentId);
  for (const entry of processes) {
    const rollup = await readFile(`/proc/${entry.pid}/smaps_rollup`, 'utf8').catch(() => '');
    pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  }
  peakPss = Math.max(peakPss, pss);
  peakRss = Math.max(peakRss, rss);
  peakProcesses = Math.max(peakProcesses, processes.length);
}, 500);
const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
clearInterval(sampler);
const ended = Date.now();

const at = (pattern: RegExp) => lines.find((line) => pattern.test(line.text))?.at;
const seconds = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? '–' : `${((to - from) / 1000).toFixed(1)} s`;
const runs = lines
  .map((line) => /^\S+ (\S+) started on client-1/.exec(line.text)?.[1])
  .filter((run): run is string => run !== undefined);
const workload = (
  parse(await readFile(plan, 'utf8')) as {
    workload: { testDurationMinutes: number; warmupDurationMinutes: number };
  }
).workload;
const ombMinutes = runs.length * (workload.testDurationMinutes + workload.warmupDurationMinutes);

const rows: Array<[string, string]> = [
  ['check this machine', seconds(started, at(/setup: install Pulsar and OMB/))],
  [
    'install Pulsar and OMB (cache)',
    seconds(at(/setup: install Pulsar and OMB/), at(/setup: create the nodes/)),
  ],
  ['create the nodes', seconds(at(/setup: create the nodes/), at(/setup: bootstrap every node/))],
  [
    'bootstrap until every node is healthy',
    seconds(at(/setup: bootstrap every node/), at(/Cluster healthy after/)),
  ],
  ...runs.map((run): [string, string] => [
    `run ${run}`,
    seconds(at(new RegExp(`${run} started on`)), at(new RegExp(`${run} (done|failed)`))),
  ]),
  ['report', seconds(at(/report: write report/), at(/Report of \d+ run/))],
  [
    'teardown (stop and verify)',
    seconds(at(/teardown: stop every process/), at(/Experiment exp-\S+ (succeeded|failed|aborted)/)),
  ],
];
const total = (ended - started) / 1000;
console.log(`lab-orchestrate full --target local --test-plan ${plan.replace(REPO, '')} (exit ${code})`);
console.log(
  `machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
for (const [name, value] of rows) console.log(`  ${name.padEnd(40)} ${value.padStart(8)}`);
console.log(`  ${'total'.padEnd(40)} ${`${total.toFixed(1)} s`.padStart(8)}`);
console.log(`  ${`of which OMB's warm-up and test time`.padEnd(40)} ${`${ombMinutes * 60} s`.padStart(8)}`);
console.log(`  ${'everything else'.padEnd(40)} ${`${(total - ombMinutes * 60).toFixed(1)} s`.padStart(8)}`);
console.log(
  `peak memory of the experiment's ${peakProcesses} processes: ${(peakPss / 1024).toFixed(0)} MiB PSS (${(peakRss / 1024).toFixed(0)} MiB RSS)`,
);
if (code === 0) await rm(home, { recursive: true, force: true });
else
  console.log(
    `the run failed; its experiment is kept in ${home}:\n${lines
      .slice(-25)
      .map((line) => line.text)
      .join('\n')}`,
  );
process.exit(code ?? 1);
