import { describe, expect, it } from 'vitest';
import {
  BOTTLENECK_THRESHOLDS,
  findBottleneck,
  findBottlenecks,
  type HostMetricsSeries,
  type HostRole,
  type HostSample,
} from '../src/index.js';

type SampleShape = Partial<Omit<HostSample, 'cpu'>> & { cpu?: Partial<HostSample['cpu']> };

function sample(t: number, shape: SampleShape = {}): HostSample {
  return {
    t,
    cpu: { user: 20, system: 5, iowait: 0, steal: 0, ...shape.cpu },
    memUsedMiB: shape.memUsedMiB ?? 4096,
    memTotalMiB: shape.memTotalMiB ?? 16384,
    disks: shape.disks ?? [],
    net: shape.net ?? { rxMBps: 10, txMBps: 10 },
  };
}

/** `count` samples; those whose index passes `hot` get the `hot` shape. */
function host(
  name: string,
  role: HostRole,
  hotShape: SampleShape,
  hot: (index: number) => boolean,
  count = 10,
): HostMetricsSeries {
  return {
    host: name,
    role,
    samples: Array.from({ length: count }, (_, index) => sample(index * 2, hot(index) ? hotShape : {})),
  };
}

const always = () => true;
const journal = (utilPct: number) => ({
  disks: [
    { device: 'nvme1n1', purpose: 'journal' as const, readMBps: 0, writeMBps: 180, utilPct, awaitMs: 4.2 },
    { device: 'nvme0n1', purpose: 'root' as const, readMBps: 0, writeMBps: 1, utilPct: 2, awaitMs: 0.5 },
  ],
});

describe('findBottleneck', () => {
  it('returns null when nothing is saturated', () => {
    expect(
      findBottleneck([host('broker-1', 'broker', {}, always), host('bookie-1', 'bookkeeper', {}, always)]),
    ).toBe(null);
  });

  it('names a saturated journal disk', () => {
    const bottleneck = findBottleneck([
      host('broker-1', 'broker', {}, always),
      host('bookie-1', 'bookkeeper', journal(98), always),
    ]);
    expect(bottleneck).toEqual({
      host: 'bookie-1',
      role: 'bookkeeper',
      resource: 'disk',
      device: 'nvme1n1',
      value: 98,
      threshold: BOTTLENECK_THRESHOLDS.diskUtilPct,
      message:
        'bookie-1 journal disk nvme1n1 at 98 % utilisation (await 4.2 ms, write 180 MiB/s, read 0 MiB/s)',
    });
  });

  it('names a busy CPU with its user and system shares', () => {
    const bottleneck = findBottleneck([
      host('broker-1', 'broker', { cpu: { user: 80, system: 15 } }, always),
    ]);
    expect(bottleneck).toMatchObject({ host: 'broker-1', role: 'broker', resource: 'cpu', value: 95 });
    expect(bottleneck?.message).toBe('broker-1 CPU at 95 % (user 80 %, system 15 %)');
  });

  it('names CPU steal', () => {
    const bottleneck = findBottleneck([host('client-1', 'client', { cpu: { steal: 30 } }, always)]);
    expect(bottleneck).toMatchObject({ host: 'client-1', resource: 'cpu-steal', value: 30 });
    expect(bottleneck?.message).toMatch(/^client-1 CPU steal 30 %/);
  });

  it('names nearly full memory', () => {
    const bottleneck = findBottleneck([host('broker-2', 'broker', { memUsedMiB: 16000 }, always)]);
    expect(bottleneck?.message).toBe('broker-2 memory 98 % used (16000 of 16384 MiB)');
  });

  it('judges network only against a given limit, per host or for all', () => {
    const series = [host('broker-2', 'broker', { net: { rxMBps: 60, txMBps: 118 } }, always)];
    expect(findBottleneck(series)).toBe(null);
    expect(findBottleneck(series, { networkLimitMBps: { 'broker-1': 119 } })).toBe(null);
    const bottleneck = findBottleneck(series, { networkLimitMBps: { 'broker-2': 119.2 } });
    expect(bottleneck).toMatchObject({ resource: 'network', value: 118 });
    expect(bottleneck?.message).toBe(
      'network of broker-2 at 118 MiB/s (limit 119.2 MiB/s; receive 60, transmit 118)',
    );
    expect(findBottleneck(series, { networkLimitMBps: 1000 })).toBe(null);
  });

  it('ignores a spike: over the threshold in fewer than half of the samples', () => {
    const spiky = host('bookie-1', 'bookkeeper', journal(100), (index) => index < 4);
    expect(findBottleneck([spiky])).toBe(null);
    const sustained = host('bookie-1', 'bookkeeper', journal(100), (index) => index < 5);
    expect(findBottleneck([sustained])).toMatchObject({ resource: 'disk', value: 100 });
  });

  it('takes other thresholds and a stricter sustained fraction', () => {
    const series = [host('broker-1', 'broker', { cpu: { user: 60, system: 10 } }, (index) => index < 8)];
    expect(findBottleneck(series)).toBe(null);
    expect(findBottleneck(series, { thresholds: { cpuBusyPct: 70 } })).toMatchObject({ value: 70 });
    expect(findBottleneck(series, { thresholds: { cpuBusyPct: 70, sustainedFraction: 0.9 } })).toBe(null);
  });

  it('gives no verdict on a host with fewer samples than minSamples', () => {
    const short = host('broker-1', 'broker', { cpu: { user: 99, system: 1 } }, always, 2);
    expect(findBottleneck([short])).toBe(null);
    expect(findBottleneck([short], { thresholds: { minSamples: 2 } })).toMatchObject({ resource: 'cpu' });
  });

  it('ranks by how far over its threshold each resource is, exhausted CPU credits first', () => {
    const cpu = host('broker-1', 'broker', { cpu: { user: 90, system: 9 } }, always); // 99 / 90 = 1.1
    const disk = host('bookie-1', 'bookkeeper', journal(99), always); // 99 / 90 = 1.1
    const steal = host('client-1', 'client', { cpu: { steal: 30 } }, always); // 30 / 10 = 3
    expect(findBottlenecks([cpu, disk, steal]).map((b) => b.resource)).toEqual(['cpu-steal', 'cpu', 'disk']);

    const credits: HostMetricsSeries = {
      host: 'client-2',
      role: 'client',
      instanceType: 't3.large',
      cpuCreditsExhausted: true,
      samples: [],
    };
    const first = findBottleneck([cpu, disk, steal, credits]);
    expect(first).toMatchObject({ host: 'client-2', resource: 'cpu-credits' });
    expect(first?.message).toBe(
      'client-2 (t3.large) ran out of CPU credits: its CPU was throttled to the burstable baseline',
    );
  });
});
