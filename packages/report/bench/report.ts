// Prints the time and HTML size to build a report from 100 OMB runs × 3 repetitions.
// Usage: pnpm --filter @lab/report bench   (KEEP=1 keeps the generated result files and prints where)
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadOmbResults, writeReport } from '../src/index.js';

const FILES = 100;
const REPETITIONS = 3;
const SAMPLES = 90; // a 15-minute run sampled every 10 s
const STATS = {
  Avg: 1,
  '50pct': 1,
  '75pct': 1.3,
  '95pct': 2,
  '99pct': 3,
  '999pct': 6,
  '9999pct': 10,
  Max: 20,
};

function syntheticResult(index: number, repetition: number): Record<string, unknown> {
  const rate = (10_000 + index * 1000) * (1 + 0.01 * repetition);
  const series = (base: number, jitter: number) =>
    Array.from({ length: SAMPLES }, (_, i) => base * (1 + jitter * Math.sin(i * 0.7 + index)));
  const result: Record<string, unknown> = {
    workload: `fixed-rate-${rate}`,
    driver: 'Pulsar',
    messageSize: 1024,
    topics: 1,
    partitions: 16,
    producersPerTopic: 1,
    consumersPerTopic: 1,
    publishRate: series(rate, 0.02),
    publishErrorRate: series(0, 0),
    consumeRate: series(rate, 0.02),
    backlog: series(500, 0.5),
  };
  for (const kind of ['publishLatency', 'publishDelayLatency', 'endToEndLatency']) {
    const aggregated = `aggregated${kind[0]!.toUpperCase()}${kind.slice(1)}`;
    for (const [suffix, factor] of Object.entries(STATS)) {
      result[`${kind}${suffix}`] = series(2 * factor, 0.1);
      result[`${aggregated}${suffix}`] = 2 * factor;
    }
    // OMB writes ~1,000 quantile points per latency kind
    result[`${aggregated}Quantiles`] = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [
        String(Number((100 - 100 * 0.99 ** i).toFixed(6))),
        2 + i * 0.01,
      ]),
    );
  }
  return result;
}

const directory = await mkdtemp(join(tmpdir(), 'report-bench-'));
const resultsDir = join(directory, 'results');
await mkdir(resultsDir);
for (let i = 0; i < FILES; i += 1) {
  for (let repetition = 1; repetition <= REPETITIONS; repetition += 1) {
    await writeFile(
      join(resultsDir, `${String(i).padStart(3, '0')}-run.rep-${repetition}.json`),
      JSON.stringify(syntheticResult(i, repetition)),
    );
  }
}

const timings: number[] = [];
const loading: number[] = [];
let bytes = 0;
for (let round = 0; round < 5; round += 1) {
  const started = performance.now();
  const runs = await loadOmbResults([resultsDir], { experimentId: 'exp-20261127-000000' });
  loading.push(performance.now() - started);
  const written = await writeReport(join(directory, `report-${round}`), {
    title: 'benchmark',
    generatedAt: new Date().toISOString(),
    runs,
  });
  timings.push(performance.now() - started);
  bytes = written.htmlBytes;
}
timings.sort((a, b) => a - b);
loading.sort((a, b) => a - b);
console.log(
  `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} (a busy shared machine inflates the times)`,
);
console.log(
  `${FILES} runs × ${REPETITIONS} repetitions = ${FILES * REPETITIONS} result files × ${SAMPLES} samples, 1,000 quantile points per latency kind`,
);
console.log(
  `report generation: median ${(timings[2]! / 1000).toFixed(2)} s (min ${(timings[0]! / 1000).toFixed(2)} s, 5 rounds; reading and parsing the files: median ${(loading[2]! / 1000).toFixed(2)} s)`,
);
console.log(`index.html: ${(bytes / 1024 / 1024).toFixed(2)} MB`);
if (process.env.KEEP === undefined) await rm(directory, { recursive: true, force: true });
else console.log(resultsDir);
