// Prints what the parts of @lab/host-metrics cost: parsing an hour of samples of a host with
// four disks and two interfaces, finding the bottleneck among 12 such hosts, and the CPU time
// one sampler line costs on this machine. Run: pnpm --filter @lab/host-metrics bench
import { spawnSync } from 'node:child_process';
import { findBottleneck, parseHostSamples, samplerScriptPath } from '../src/index.js';

const SAMPLES = 3600;

function hourOfSamples(): string {
  const lines = [
    JSON.stringify({
      format: 'lab-host-sampler/1',
      host: 'bench',
      intervalSeconds: 1,
      cpus: 4,
      disks: { nvme0n1: 'root', nvme1n1: 'journal', nvme2n1: 'ledgers' },
    }),
  ];
  for (let i = 0; i < SAMPLES; i++) {
    const disk = [i * 10, i * 800, i * 5, i * 90, i * 9000, i * 40, i * 950, i * 1200];
    lines.push(
      JSON.stringify({
        t: 1_700_000_000 + i,
        cpu: [i * 300, 0, i * 60, i * 20, i * 10, 0, i * 5, i * 5],
        mem: [16_000_000, 4_000_000],
        disks: { nvme0n1: disk, nvme1n1: disk, nvme2n1: disk, nvme3n1: disk },
        net: { ens5: [i * 90_000_000, i * 80_000_000], docker0: [0, 0] },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

function timed<T>(label: string, work: () => T, repeat: number): T {
  let result = work();
  const started = performance.now();
  for (let i = 0; i < repeat; i++) result = work();
  console.log(`${label}: ${((performance.now() - started) / repeat).toFixed(1)} ms`);
  return result;
}

const text = hourOfSamples();
console.log(`input: ${SAMPLES} lines, ${(text.length / 1024 / 1024).toFixed(1)} MiB`);
const series = timed(
  'parseHostSamples (1 h at 1 s)',
  () => parseHostSamples(text, { host: 'bench', role: 'bookkeeper' }),
  10,
);
const hosts = Array.from({ length: 12 }, (_, i) => ({ ...series, host: `host-${i}` }));
timed('findBottleneck (12 hosts × 1 h)', () => findBottleneck(hosts), 10);

// `time` of a bash loop reports user and system CPU seconds of every child on stderr
const lines = 50;
const timing = spawnSync(
  'bash',
  [
    '-c',
    'TIMEFORMAT="%3U %3S"; time (for _ in $(seq "$1"); do bash "$0" sample >/dev/null; done)',
    samplerScriptPath(),
    String(lines),
  ],
  { encoding: 'utf8' },
);
const [user, system] = timing.stderr.trim().split(/\s+/).map(Number) as [number, number];
console.log(
  `lab-host-sampler sample: ${(((user + system) * 1000) / lines).toFixed(1)} ms CPU per line (bash start-up included)`,
);
