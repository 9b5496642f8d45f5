import { LabError } from '@lab/core';
import type { DiskPurpose, DiskRates, HostMetricsSeries, HostRole, HostSample } from './types.js';

/** The line format `lab-host-sampler` writes, named in its header line. */
export const SAMPLER_FORMAT = 'lab-host-sampler/1';

export interface ParseHostSamplesOptions {
  /** Shown in reports; the sampler's header names the machine too, but a run knows it better. */
  host: string;
  role: HostRole;
  instanceType?: string;
  /** When the benchmark started (Date or epoch ms): `t` counts from here; intervals ending earlier are left out. Default: the first sample. */
  startedAt?: Date | number;
  /** When the benchmark ended (Date or epoch ms): intervals ending later are left out. */
  endedAt?: Date | number;
}

/** Malformed sampler output. `details` has `line` (1-based) and `expected`. */
export class HostSamplesError extends LabError {
  readonly line: number;

  constructor(line: number, message: string, expected: string, received?: string) {
    super(
      'HOST_SAMPLES_INVALID',
      `line ${line}: ${message} (expected ${expected}${received === undefined ? '' : `, got ${received}`})`,
      {
        details: { line, expected, ...(received === undefined ? {} : { received }) },
        hint: 'The file should be the unchanged output of lab-host-sampler (see the @lab/host-metrics README).',
      },
    );
    this.line = line;
  }
}

interface Header {
  disks: Map<string, DiskPurpose>;
  kernel: string | undefined;
}

/** Raw counters of one line. CPU in USER_HZ ticks, memory in KiB, disk sectors of 512 bytes, ms, bytes. */
interface RawSample {
  timeS: number;
  cpu: readonly number[];
  memTotalKiB: number;
  memAvailableKiB: number;
  disks: Map<string, readonly number[]>;
  net: Map<string, readonly number[]>;
}

const CPU_FIELDS = 8; // user nice system idle iowait irq softirq steal
const DISK_FIELDS = 8; // reads, sectors read, ms reading, writes, sectors written, ms writing, io ms, weighted io ms
const NET_FIELDS = 2; // rx bytes, tx bytes
const PURPOSES: readonly DiskPurpose[] = ['journal', 'ledgers', 'root', 'other'];
const MIB = 1024 * 1024;
const SECTOR_BYTES = 512;

/**
 * Turns `lab-host-sampler` output into per-interval rates. Each rate comes from two
 * consecutive lines; an interval in which any counter went backwards (a wrap or a reset) is
 * skipped. An unterminated last line (a file fetched while the sampler wrote) is ignored.
 * Throws `HostSamplesError` naming the line and what was expected.
 */
export function parseHostSamples(text: string, options: ParseHostSamplesOptions): HostMetricsSeries {
  const lines = text.split('\n');
  const unterminated = lines.pop() ?? '';
  let header: Header | undefined;
  let previous: RawSample | undefined;
  const raw: RawSample[] = [];
  lines.forEach((line, index) => {
    const number = index + 1;
    if (line.trim() === '') return;
    const value = parseJsonObject(line, number);
    if (header === undefined) {
      header = parseHeader(value, number);
      return;
    }
    if ('format' in value) {
      throw new HostSamplesError(number, 'a second header line', 'one sampler run per file', 'a header');
    }
    const sample = parseSample(value, number);
    if (previous !== undefined && sample.timeS <= previous.timeS) {
      throw new HostSamplesError(
        number,
        'time went backwards',
        `t after ${previous.timeS}`,
        String(sample.timeS),
      );
    }
    previous = sample;
    raw.push(sample);
  });
  if (header === undefined) {
    const line = unterminated.trim() === '' ? 1 : lines.length + 1;
    throw new HostSamplesError(line, 'no header line', `{"format":"${SAMPLER_FORMAT}",…}`, 'nothing');
  }
  return {
    host: options.host,
    role: options.role,
    ...(options.instanceType === undefined ? {} : { instanceType: options.instanceType }),
    ...(header.kernel === undefined ? {} : { kernel: header.kernel }),
    samples: toRates(raw, header, options),
  };
}

function toRates(raw: readonly RawSample[], header: Header, options: ParseHostSamplesOptions): HostSample[] {
  const first = raw[0];
  if (first === undefined) return [];
  const startS = options.startedAt === undefined ? first.timeS : epochSeconds(options.startedAt);
  const endS = options.endedAt === undefined ? Number.POSITIVE_INFINITY : epochSeconds(options.endedAt);
  const samples: HostSample[] = [];
  for (let i = 1; i < raw.length; i++) {
    const before = raw[i - 1]!;
    const after = raw[i]!;
    if (after.timeS < startS || after.timeS > endS) continue;
    const sample = interval(before, after, header);
    if (sample !== undefined) samples.push({ t: round(after.timeS - startS, 3), ...sample });
  }
  return samples;
}

/** Rates between two lines, or undefined when a counter went backwards. */
function interval(before: RawSample, after: RawSample, header: Header): Omit<HostSample, 't'> | undefined {
  const seconds = after.timeS - before.timeS;
  const cpu = deltas(before.cpu, after.cpu);
  if (cpu === undefined) return undefined;
  const [user, nice, system, , iowait, irq, softirq, steal] = cpu as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ticks = cpu.reduce((sum, value) => sum + value, 0);
  const pct = (value: number) => (ticks === 0 ? 0 : round((value / ticks) * 100, 1));

  const disks: DiskRates[] = [];
  for (const [device, counters] of after.disks) {
    const earlier = before.disks.get(device);
    if (earlier === undefined) continue;
    const d = deltas(earlier, counters);
    if (d === undefined) return undefined;
    const [reads, sectorsRead, readMs, writes, sectorsWritten, writeMs, ioMs] = d as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const purpose = header.disks.get(device) ?? 'other';
    const ios = reads + writes;
    disks.push({
      device,
      purpose,
      readMBps: round((sectorsRead * SECTOR_BYTES) / MIB / seconds, 3),
      writeMBps: round((sectorsWritten * SECTOR_BYTES) / MIB / seconds, 3),
      utilPct: round(Math.min(100, ioMs / 10 / seconds), 1),
      awaitMs: ios === 0 ? 0 : round((readMs + writeMs) / ios, 2),
    });
  }

  let rxBytes = 0;
  let txBytes = 0;
  for (const [iface, counters] of after.net) {
    const earlier = before.net.get(iface);
    if (earlier === undefined) continue;
    const d = deltas(earlier, counters);
    if (d === undefined) return undefined;
    rxBytes += d[0]!;
    txBytes += d[1]!;
  }

  return {
    cpu: {
      user: pct(user + nice),
      system: pct(system + irq + softirq),
      iowait: pct(iowait),
      steal: pct(steal),
    },
    memUsedMiB: round((after.memTotalKiB - after.memAvailableKiB) / 1024, 1),
    memTotalMiB: round(after.memTotalKiB / 1024, 1),
    disks,
    net: { rxMBps: round(rxBytes / MIB / seconds, 3), txMBps: round(txBytes / MIB / seconds, 3) },
  };
}

function deltas(before: readonly number[], after: readonly number[]): number[] | undefined {
  const result = after.map((value, i) => value - (before[i] ?? 0));
  return result.some((value) => value < 0) ? undefined : result;
}

function parseJsonObject(line: string, number: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new HostSamplesError(number, 'not JSON', 'one JSON object per line', excerpt(line));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HostSamplesError(number, 'not a JSON object', 'one JSON object per line', excerpt(line));
  }
  return value as Record<string, unknown>;
}

function parseHeader(value: Record<string, unknown>, number: number): Header {
  if (value.format !== SAMPLER_FORMAT) {
    throw new HostSamplesError(
      number,
      'not a lab-host-sampler header',
      `"format":"${SAMPLER_FORMAT}"`,
      value.format === undefined ? 'no format' : JSON.stringify(value.format),
    );
  }
  const disks = new Map<string, DiskPurpose>();
  const declared = value.disks ?? {};
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) {
    throw new HostSamplesError(
      number,
      'field disks',
      'an object of device → purpose',
      JSON.stringify(declared),
    );
  }
  for (const [device, purpose] of Object.entries(declared)) {
    if (!PURPOSES.includes(purpose as DiskPurpose)) {
      throw new HostSamplesError(number, `disks.${device}`, PURPOSES.join(' | '), JSON.stringify(purpose));
    }
    disks.set(device, purpose as DiskPurpose);
  }
  return {
    disks,
    kernel: typeof value.kernel === 'string' && value.kernel !== '' ? value.kernel : undefined,
  };
}

function parseSample(value: Record<string, unknown>, number: number): RawSample {
  const timeS = value.t;
  if (typeof timeS !== 'number' || !Number.isFinite(timeS)) {
    throw new HostSamplesError(number, 'field t', 'epoch seconds', JSON.stringify(timeS));
  }
  const cpu = counters(value.cpu, CPU_FIELDS, 'cpu', number);
  const [memTotalKiB, memAvailableKiB] = counters(value.mem, 2, 'mem', number) as [number, number];
  return {
    timeS,
    cpu,
    memTotalKiB,
    memAvailableKiB,
    disks: counterMap(value.disks, DISK_FIELDS, 'disks', number),
    net: counterMap(value.net, NET_FIELDS, 'net', number),
  };
}

function counterMap(value: unknown, size: number, field: string, line: number): Map<string, number[]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HostSamplesError(line, `field ${field}`, 'an object of name → counters', JSON.stringify(value));
  }
  return new Map(
    Object.entries(value).map(([name, list]) => [name, counters(list, size, `${field}.${name}`, line)]),
  );
}

function counters(value: unknown, size: number, field: string, line: number): number[] {
  if (
    !Array.isArray(value) ||
    value.length !== size ||
    !value.every((item) => typeof item === 'number' && Number.isFinite(item) && item >= 0)
  ) {
    throw new HostSamplesError(
      line,
      `field ${field}`,
      `an array of ${size} non-negative numbers`,
      value === undefined ? 'nothing' : excerpt(JSON.stringify(value)),
    );
  }
  return value as number[];
}

function epochSeconds(at: Date | number): number {
  return (typeof at === 'number' ? at : at.getTime()) / 1000;
}

function excerpt(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 57)}...`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
