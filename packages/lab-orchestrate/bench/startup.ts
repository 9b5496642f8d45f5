// Cold start of `lab-orchestrate`: a fresh node process per run, as a user's shell starts it.
// Goals: `--help` ≤ 0.3 s (the AWS SDK and the libraries are imported lazily, inside handlers)
// and the poc dry run of `full` ≤ 2 s (no AWS call, no AWS client created).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const RUNS = 11;

function measure(label: string, args: string[], goalMs: number): void {
  const home = mkdtempSync(join(tmpdir(), 'lab-bench-'));
  const times: number[] = [];
  try {
    for (let index = 0; index < RUNS; index += 1) {
      const started = performance.now();
      execFileSync(process.execPath, [cli, ...args], {
        cwd: repo,
        stdio: 'ignore',
        env: { ...process.env, PULSAR_AWS_LAB_HOME: home, CI: '1' },
      });
      times.push(performance.now() - started);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${label}: median ${(median / 1000).toFixed(3)} s, min ${(times[0]! / 1000).toFixed(3)} s, max ${(times.at(-1)! / 1000).toFixed(3)} s over ${RUNS} cold runs (goal ≤ ${goalMs / 1000} s: ${median <= goalMs ? 'met' : 'MISSED'})`,
  );
}

measure('lab-orchestrate --help', ['--help'], 300);
measure(
  'lab-orchestrate full --test-plan configs/test-plans/poc.yaml --dry-run',
  ['full', '--test-plan', 'configs/test-plans/poc.yaml', '--dry-run'],
  2000,
);
