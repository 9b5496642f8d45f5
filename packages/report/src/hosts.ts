import type { ChartSpec } from './charts.js';
import type { HostMetricsSeries, HostRole, ReportRun } from './model.js';

const ROLES: readonly HostRole[] = ['zookeeper', 'bookkeeper', 'broker', 'client'];

/** Seconds of the run's timelines and host samples: one x range for every chart of the run. */
export function runTimeRange(run: ReportRun): [number, number] {
  const omb =
    Math.max(
      run.series.publishRate.length,
      run.series.consumeRate.length,
      run.series.backlog.length,
      run.series.publishLatencyP99.length,
    ) * run.series.intervalSeconds;
  const hosts = Math.max(0, ...(run.hosts ?? []).flatMap((host) => host.samples.map((sample) => sample.t)));
  return [0, Math.max(omb, hosts, run.series.intervalSeconds)];
}

const name = (host: HostMetricsSeries) =>
  host.instanceType === undefined ? host.host : `${host.host} (${host.instanceType})`;

/** Per role present: CPU, disk utilisation, network and memory over time, one line per host. */
export function hostCharts(
  run: ReportRun,
  sync: string,
  xRange: [number, number],
): Array<{ role: HostRole; charts: ChartSpec[] }> {
  const hosts = run.hosts ?? [];
  return ROLES.filter((role) => hosts.some((host) => host.role === role)).map((role) => {
    const members = hosts.filter((host) => host.role === role);
    const chart = (title: string, yLabel: string, series: ChartSpec['series']): ChartSpec => ({
      title: `${role}: ${title}`,
      xKind: 'time',
      yLabel,
      series,
      sync,
      xRange,
    });
    return {
      role,
      charts: [
        chart(
          'CPU busy (user + system + iowait + steal)',
          '% of all CPUs',
          members.map((host) => ({
            name: name(host),
            points: host.samples.map((s) => [s.t, s.cpu.user + s.cpu.system + s.cpu.iowait + s.cpu.steal]),
          })),
        ),
        chart(
          'CPU iowait and steal',
          '% of all CPUs',
          members.flatMap((host) => [
            { name: `${host.host} iowait`, points: host.samples.map((s) => [s.t, s.cpu.iowait] as const) },
            { name: `${host.host} steal`, points: host.samples.map((s) => [s.t, s.cpu.steal] as const) },
          ]),
        ),
        chart(
          'disk utilisation',
          '% busy',
          members.flatMap((host) =>
            diskNames(host).map((disk) => ({
              name: `${host.host} ${disk.label}`,
              points: host.samples.flatMap((s) => {
                const found = s.disks.find((d) => d.device === disk.device);
                return found === undefined ? [] : [[s.t, found.utilPct] as const];
              }),
            })),
          ),
        ),
        chart(
          'network',
          'MB/s',
          members.flatMap((host) => [
            { name: `${host.host} rx`, points: host.samples.map((s) => [s.t, s.net.rxMBps] as const) },
            { name: `${host.host} tx`, points: host.samples.map((s) => [s.t, s.net.txMBps] as const) },
          ]),
        ),
        chart(
          'memory used',
          '% of RAM',
          members.map((host) => ({
            name: name(host),
            points: host.samples.map((s) => [
              s.t,
              s.memTotalMiB > 0 ? (100 * s.memUsedMiB) / s.memTotalMiB : Number.NaN,
            ]),
          })),
        ),
      ],
    };
  });
}

function diskNames(host: HostMetricsSeries): Array<{ device: string; label: string }> {
  const seen = new Map<string, string>();
  for (const sample of host.samples) {
    for (const disk of sample.disks) {
      if (!seen.has(disk.device))
        seen.set(disk.device, disk.purpose === undefined ? disk.device : `${disk.device} (${disk.purpose})`);
    }
  }
  return [...seen].map(([device, label]) => ({ device, label }));
}

/** Sentences about the hosts a reader must see next to the numbers. */
export function hostWarnings(run: ReportRun): string[] {
  return (run.hosts ?? [])
    .filter((host) => host.cpuCreditsExhausted === true)
    .map(
      (host) =>
        `${host.host} (${host.role}${host.instanceType === undefined ? '' : `, ${host.instanceType}`}) ran out of CPU credits: its CPU was throttled, so the numbers describe a throttled machine.`,
    );
}
