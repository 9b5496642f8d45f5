import type { HostMetricsSeries } from '../../src/index.js';

/** A synthetic host: `samples` samples every 5 s, CPU and disk rising with `load` (0–1). */
export function syntheticHost(
  host: string,
  role: HostMetricsSeries['role'],
  options: { load?: number; samples?: number; creditsExhausted?: boolean } = {},
): HostMetricsSeries {
  const load = options.load ?? 0.5;
  return {
    host,
    role,
    instanceType: role === 'bookkeeper' ? 'i4i.xlarge' : 'm6i.large',
    ...(options.creditsExhausted === undefined ? {} : { cpuCreditsExhausted: options.creditsExhausted }),
    samples: Array.from({ length: options.samples ?? 12 }, (_, i) => ({
      t: i * 5,
      cpu: { user: 40 * load + i, system: 10 * load, iowait: 5 * load, steal: 1 },
      memUsedMiB: 4096 + i * 10,
      memTotalMiB: 16_384,
      disks: [
        {
          device: 'nvme1n1',
          purpose: 'journal' as const,
          readMBps: 0,
          writeMBps: 80 * load,
          utilPct: 90 * load,
          awaitMs: 0.4,
        },
        {
          device: 'nvme2n1',
          purpose: 'ledgers' as const,
          readMBps: 5,
          writeMBps: 60 * load,
          utilPct: 40 * load,
          awaitMs: 1.2,
        },
      ],
      net: { rxMBps: 50 * load, txMBps: 100 * load },
    })),
  };
}
