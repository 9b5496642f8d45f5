import { ROLES } from '@lab/infra';
import { hostsOf, type LocalClusterLayout, type LocalListener } from './layout.js';
import {
  type ExperimentProcess,
  experimentProcesses,
  listeningSockets,
  type ProcOptions,
  socketFor,
  socketHolder,
  terminate,
} from './processes.js';
import { type HostShell, runOnHost } from './shell.js';

export interface StopOptions extends ProcOptions {
  /** How long leftover processes get between SIGTERM and SIGKILL. Default 10 s. */
  graceMs?: number;
  /** Bound of one unit's stop (lab-systemctl waits the unit's TimeoutStopSec). Default 150 s. */
  unitTimeoutMs?: number;
}

/** A listener still open after the stop, and who holds it when that is visible. */
export interface OpenListener extends LocalListener {
  holder?: ExperimentProcess;
  /** True when the holder is a process of this experiment, or cannot be seen. */
  ours: boolean;
}

export interface StopReport {
  /** `client-1 omb-worker.service`: units stopped through lab-systemctl. */
  units: string[];
  /** Unit stops that failed (the processes are then killed below). */
  unitProblems: string[];
  /** Processes of the experiment that were still there after the units stopped, then signalled. */
  signalled: ExperimentProcess[];
  /** Those of them that needed SIGKILL. */
  killed: number[];
  /** What a final look still finds: nothing, when the stop is complete. */
  remaining: ExperimentProcess[];
  openListeners: OpenListener[];
  complete: boolean;
}

/**
 * Stops a local cluster and proves it: the role units in reverse order (clients, brokers,
 * bookies, ZooKeeper) through lab-systemctl, then every other process that carries the
 * experiment's id (bootstraps, OMB runs) with SIGTERM and, after a grace period, SIGKILL; then a
 * fresh look at the processes and at every address and port the cluster listened on.
 */
export async function stopLocalCluster(
  shell: HostShell,
  layout: LocalClusterLayout,
  options: StopOptions = {},
): Promise<StopReport> {
  const units: string[] = [];
  const unitProblems: string[] = [];
  for (const role of [...ROLES].reverse()) {
    await Promise.all(
      hostsOf(layout, role).map(async (host) => {
        try {
          const result = await runOnHost(shell, host, `exec "$LAB_SYSTEMCTL" stop ${host.unit}`, {
            timeoutMs: options.unitTimeoutMs ?? 150_000,
          });
          if (result.exitCode === 0) units.push(`${host.name} ${host.unit}`);
          else
            unitProblems.push(
              `${host.name} ${host.unit}: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
            );
        } catch (error) {
          unitProblems.push(`${host.name} ${host.unit}: ${(error as Error).message}`);
        }
      }),
    );
  }
  const signalled = await experimentProcesses(layout.experimentId, options);
  const killed =
    signalled.length === 0
      ? []
      : await terminate(
          signalled.map((entry) => entry.pid),
          { graceMs: options.graceMs ?? 10_000 },
        );
  const remaining = await experimentProcesses(layout.experimentId, options);
  const openListeners = await openListenersOf(layout, options);
  return {
    units,
    unitProblems,
    signalled,
    killed,
    remaining,
    openListeners,
    complete: remaining.length === 0 && openListeners.every((listener) => !listener.ours),
  };
}

/** The cluster's addresses and ports that something listens on, and who. */
export async function openListenersOf(
  layout: Pick<LocalClusterLayout, 'listeners' | 'experimentId'>,
  options: ProcOptions = {},
): Promise<OpenListener[]> {
  const sockets = await listeningSockets(options);
  const ours = new Set((await experimentProcesses(layout.experimentId, options)).map((entry) => entry.pid));
  const open: OpenListener[] = [];
  for (const listener of layout.listeners) {
    const socket = socketFor(listener, sockets);
    if (socket === undefined) continue;
    const holder = await socketHolder(socket.inode, options);
    open.push({
      ...listener,
      ...(holder === undefined ? {} : { holder }),
      ours: holder === undefined || ours.has(holder.pid),
    });
  }
  return open;
}
