import type { CostEstimate } from '@lab/cost';
import type { CascadeStagePlan } from './plan.js';

/** Per-stage timeouts of a local cluster's health cascade (minutes). */
export const LOCAL_CASCADE_TIMEOUTS_MINUTES = {
  bootstrapped: 5,
  servicesActive: 3,
  endpointsHealthy: 5,
} as const;

/** How a local experiment is cleaned up, for the plan and the dry run. */
export interface LocalCleanupPlan {
  stop: string[];
  /** The command that finishes a teardown by hand. */
  labCleanup: string;
}

/** The cascade of a local cluster: the same probe as on EC2, through local commands. */
export function localCascade(zookeepers: number): CascadeStagePlan[] {
  return [
    {
      name: 'nodes bootstrapped',
      timeoutMinutes: LOCAL_CASCADE_TIMEOUTS_MINUTES.bootstrapped,
      checks: "every node's lab-bootstrap wrote status ok to /var/lib/lab/bootstrap.status",
    },
    {
      name: 'services active',
      timeoutMinutes: LOCAL_CASCADE_TIMEOUTS_MINUTES.servicesActive,
      checks: 'lab-health-probe --check services on every node (lab-systemctl stands in for systemctl)',
    },
    {
      name: 'endpoints healthy',
      timeoutMinutes: LOCAL_CASCADE_TIMEOUTS_MINUTES.endpointsHealthy,
      checks: `lab-health-probe --check endpoints --zk-ensemble-size ${zookeepers} on every node`,
    },
  ];
}

export function localCleanup(experimentId: string): LocalCleanupPlan {
  return {
    stop: [
      "stop every node's unit with lab-systemctl (clients, brokers, bookies, ZooKeeper): SIGTERM, SIGKILL after its TimeoutStopSec",
      `SIGTERM, then SIGKILL, every other process whose environment carries LAB_EXPERIMENT_ID=${experimentId}`,
      'verify that no such process runs and that none of the cluster’s addresses and ports listens',
    ],
    labCleanup: localTeardownCommand(experimentId),
  };
}

export function localTeardownCommand(experimentId: string): string {
  return `lab-orchestrate teardown --experiment-id ${experimentId}`;
}

/** A local cluster costs no AWS money; the report then shows no cost per message. */
export function localCost(durationHours: number): CostEstimate {
  return {
    region: 'this machine',
    durationHours,
    currency: 'USD',
    priceTableDate: '-',
    total: 0,
    lines: [],
    missingPrices: [],
    complete: true,
    notes: ['the local target runs on this machine: no AWS cost'],
  };
}
