import type { HostMetricsSeries, HostRole, HostSample } from './types.js';

/**
 * Where a host is judged saturated. Every threshold lives here; `findBottleneck` takes
 * overrides. A resource counts only when it is over its threshold for at least
 * `sustainedFraction` of the host's samples (a spike is not a bottleneck).
 */
export const BOTTLENECK_THRESHOLDS = {
  /** user + system, % of all CPUs. */
  cpuBusyPct: 90,
  /** Time the hypervisor gave this host's vCPUs to someone else (or withheld: burstable credits). */
  cpuStealPct: 10,
  /** iostat's %util of one disk. */
  diskUtilPct: 90,
  /** MemTotal − MemAvailable, % of MemTotal. */
  memUsedPct: 95,
  /** Receive or transmit rate, % of the host's network limit (only judged where a limit is given). */
  networkPct: 90,
  /** Share of samples that must be over a threshold. */
  sustainedFraction: 0.5,
  /** Fewer samples than this on a host: no verdict for it. */
  minSamples: 3,
} as const;

export type BottleneckThresholds = { -readonly [K in keyof typeof BOTTLENECK_THRESHOLDS]: number };

export type BottleneckResource = 'cpu-credits' | 'cpu' | 'cpu-steal' | 'disk' | 'memory' | 'network';

export interface Bottleneck {
  host: string;
  role: HostRole;
  resource: BottleneckResource;
  /** The sustained level: the value exceeded in `sustainedFraction` of the samples (%, or MiB/s for network). */
  value: number;
  /** The threshold it was compared with, in the same unit. */
  threshold: number;
  /** The disk, for `disk`. */
  device?: string;
  /** One sentence, e.g. `bookie-1 journal disk nvme1n1 at 98 % utilisation (await 4.2 ms)`. */
  message: string;
}

export interface FindBottleneckOptions {
  thresholds?: Partial<BottleneckThresholds>;
  /** Network limit in MiB/s, one for every host or per host name. Without one, network is not judged. */
  networkLimitMBps?: number | Readonly<Record<string, number>>;
}

/**
 * Every sustained saturation across the hosts, the most severe first (value ÷ threshold;
 * exhausted CPU credits always lead, since they throttle everything else on that host).
 */
export function findBottlenecks(
  series: readonly HostMetricsSeries[],
  options: FindBottleneckOptions = {},
): Bottleneck[] {
  const limits: BottleneckThresholds = { ...BOTTLENECK_THRESHOLDS, ...options.thresholds };
  const found: Array<Bottleneck & { severity: number }> = [];
  for (const host of series) {
    if (host.cpuCreditsExhausted === true) {
      const type = host.instanceType === undefined ? '' : ` (${host.instanceType})`;
      found.push({
        host: host.host,
        role: host.role,
        resource: 'cpu-credits',
        value: 0,
        threshold: 0,
        message: `${host.host}${type} ran out of CPU credits: its CPU was throttled to the burstable baseline`,
        severity: Number.POSITIVE_INFINITY,
      });
    }
    if (host.samples.length < limits.minSamples) continue;
    for (const candidate of hostCandidates(host, limits, networkLimit(options, host.host))) {
      if (candidate.value >= candidate.threshold) {
        found.push({ ...candidate, severity: candidate.value / candidate.threshold });
      }
    }
  }
  return found
    .sort((a, b) => b.severity - a.severity)
    .map(({ severity: _severity, ...bottleneck }) => bottleneck);
}

/** The most severe sustained saturation (see `findBottlenecks`), or null when no host was saturated. */
export function findBottleneck(
  series: readonly HostMetricsSeries[],
  options: FindBottleneckOptions = {},
): Bottleneck | null {
  return findBottlenecks(series, options)[0] ?? null;
}

function hostCandidates(
  series: HostMetricsSeries,
  limits: BottleneckThresholds,
  networkLimitMBps: number | undefined,
): Bottleneck[] {
  const { host, role, samples } = series;
  const level = (measure: (sample: HostSample) => number) => sustained(samples, measure, limits);
  const candidates: Bottleneck[] = [];

  const busy = level((s) => s.cpu.user + s.cpu.system);
  candidates.push({
    host,
    role,
    resource: 'cpu',
    value: busy.value,
    threshold: limits.cpuBusyPct,
    message: `${host} CPU at ${pct(busy.value)} (user ${pct(busy.sample.cpu.user)}, system ${pct(busy.sample.cpu.system)})`,
  });

  const steal = level((s) => s.cpu.steal);
  candidates.push({
    host,
    role,
    resource: 'cpu-steal',
    value: steal.value,
    threshold: limits.cpuStealPct,
    message: `${host} CPU steal ${pct(steal.value)}: the hypervisor withheld that much CPU (a noisy neighbour or a burstable instance out of credits)`,
  });

  const memory = level((s) => (s.memTotalMiB === 0 ? 0 : (s.memUsedMiB / s.memTotalMiB) * 100));
  candidates.push({
    host,
    role,
    resource: 'memory',
    value: memory.value,
    threshold: limits.memUsedPct,
    message: `${host} memory ${pct(memory.value)} used (${Math.round(memory.sample.memUsedMiB)} of ${Math.round(memory.sample.memTotalMiB)} MiB)`,
  });

  for (const device of new Set(samples.flatMap((s) => s.disks.map((disk) => disk.device)))) {
    const util = level((s) => s.disks.find((disk) => disk.device === device)?.utilPct ?? 0);
    const disk = util.sample.disks.find((entry) => entry.device === device);
    const purpose = disk?.purpose === undefined || disk.purpose === 'other' ? '' : `${disk.purpose} `;
    candidates.push({
      host,
      role,
      resource: 'disk',
      device,
      value: util.value,
      threshold: limits.diskUtilPct,
      message: `${host} ${purpose}disk ${device} at ${pct(util.value)} utilisation (await ${round(disk?.awaitMs ?? 0)} ms, write ${round(disk?.writeMBps ?? 0)} MiB/s, read ${round(disk?.readMBps ?? 0)} MiB/s)`,
    });
  }

  if (networkLimitMBps !== undefined && networkLimitMBps > 0) {
    const rate = level((s) => Math.max(s.net.rxMBps, s.net.txMBps));
    candidates.push({
      host,
      role,
      resource: 'network',
      value: rate.value,
      threshold: (limits.networkPct / 100) * networkLimitMBps,
      message: `network of ${host} at ${round(rate.value)} MiB/s (limit ${round(networkLimitMBps)} MiB/s; receive ${round(rate.sample.net.rxMBps)}, transmit ${round(rate.sample.net.txMBps)})`,
    });
  }
  return candidates;
}

/**
 * The level held for `sustainedFraction` of the samples: the sample whose measure is the
 * (1 − fraction) quantile, so "value ≥ threshold" means "over the threshold at least that often".
 */
function sustained(
  samples: readonly HostSample[],
  measure: (sample: HostSample) => number,
  limits: BottleneckThresholds,
): { value: number; sample: HostSample } {
  const ranked = samples
    .map((sample) => ({ sample, value: measure(sample) }))
    .sort((a, b) => b.value - a.value);
  const index = Math.max(0, Math.ceil(limits.sustainedFraction * ranked.length) - 1);
  return ranked[Math.min(index, ranked.length - 1)]!;
}

function networkLimit(options: FindBottleneckOptions, host: string): number | undefined {
  const limit = options.networkLimitMBps;
  return typeof limit === 'number' ? limit : limit?.[host];
}

function pct(value: number): string {
  return `${Math.round(value)} %`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
