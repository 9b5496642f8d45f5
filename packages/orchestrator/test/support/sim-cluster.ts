import { simulatedAgent, stockSimulatedCluster } from '@lab/test-support/sim-agent';
import { DRIVER_CLIENT, INSTANCES, OMB_RESULT } from './lab.js';

export type SimulatedAgent = ReturnType<typeof simulatedAgent>;

/**
 * The fixture terraform's ten instances behind a simulated SSM agent, each with a healthy probe;
 * the first client has OMB (`ombBenchmarkStandIn`: one virtual minute), curl and the workers file.
 */
export function simulatedCluster(options: {
  root: string;
  clock: { now(): number };
  /** A run id whose OMB workload fails. */
  failRun?: string;
}): SimulatedAgent {
  const agent = simulatedAgent({
    root: options.root,
    instanceIds: INSTANCES,
    clock: options.clock,
    latencyMs: () => 600,
    env: (): Record<string, string> => (options.failRun === undefined ? {} : { FAIL_RUN: options.failRun }),
  });
  // OMB runs one virtual minute.
  stockSimulatedCluster(agent.instanceRoot, {
    instances: INSTANCES,
    client: DRIVER_CLIENT,
    ombResult: OMB_RESULT,
    benchmarkMinutes: 1,
  });
  return agent;
}
