/** Builds lab-host-sampler output for tests: the same line format the script writes. */
export interface RawLine {
  t: number;
  /** user nice system idle iowait irq softirq steal, in ticks */
  cpu: number[];
  /** MemTotal, MemAvailable in KiB */
  mem?: [number, number];
  disks?: Record<string, number[]>;
  net?: Record<string, [number, number]>;
}

export function header(disks: Record<string, string> = {}): string {
  return JSON.stringify({
    format: 'lab-host-sampler/1',
    host: 'ip-10-0-1-5',
    intervalSeconds: 1,
    cpus: 2,
    disks,
  });
}

export function line(raw: RawLine): string {
  return JSON.stringify({
    t: raw.t,
    cpu: raw.cpu,
    mem: raw.mem ?? [8 * 1024 * 1024, 6 * 1024 * 1024],
    disks: raw.disks ?? {},
    net: raw.net ?? {},
  });
}

export function samplerText(lines: readonly RawLine[], disks: Record<string, string> = {}): string {
  return `${[header(disks), ...lines.map(line)].join('\n')}\n`;
}
