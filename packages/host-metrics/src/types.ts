/** The role a host plays in the cluster (the lab's `Component` tag). */
export type HostRole = 'zookeeper' | 'bookkeeper' | 'broker' | 'client';

/** What a disk holds: set by the sampler's `--disk DEV=PURPOSE`; the disk holding `/` is `root`. */
export type DiskPurpose = 'journal' | 'ledgers' | 'root' | 'other';

/** One disk over one interval. MBps is MiB/s (2^20 bytes), as EBS and OMB quote throughput. */
export interface DiskRates {
  device: string;
  purpose?: DiskPurpose;
  readMBps: number;
  writeMBps: number;
  /** Share of the interval the device had I/O in flight (iostat's %util), 0–100. */
  utilPct: number;
  /** Mean time an I/O completed in the interval took, queue included (iostat's await); 0 without I/O. */
  awaitMs: number;
}

/** One interval on one host. */
export interface HostSample {
  /** End of the interval, in seconds since the run started. */
  t: number;
  /** Percent of all CPUs together (100 = every CPU busy): user includes nice, system includes irq and softirq. */
  cpu: { user: number; system: number; iowait: number; steal: number };
  /** MemTotal − MemAvailable. */
  memUsedMiB: number;
  memTotalMiB: number;
  disks: DiskRates[];
  /** Summed over every interface but loopback. */
  net: { rxMBps: number; txMBps: number };
}

/** A host's samples over a run; structurally the same as `@lab/report`'s interface. */
export interface HostMetricsSeries {
  host: string;
  role: HostRole;
  instanceType?: string;
  /** The kernel the host ran (`uname -sr`), from the sampler's header when it names one. */
  kernel?: string;
  /** Set from `cpuCreditsExhausted` (`@lab/host-metrics/aws`) for burstable instances. */
  cpuCreditsExhausted?: boolean;
  samples: HostSample[];
}
