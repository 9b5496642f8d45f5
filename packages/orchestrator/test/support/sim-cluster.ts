import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulatedAgent } from '@lab/test-support/sim-agent';
import { DRIVER_CLIENT, INSTANCES, OMB_RESULT } from './lab.js';

export type SimulatedAgent = ReturnType<typeof simulatedAgent>;

const ROLES: Record<string, string> = { zk: 'zookeeper', bk: 'bookkeeper', br: 'broker', cl: 'client' };

/** A healthy lab-health-probe for every role (the real probe is tested by @lab/health-cascade). */
const PROBE = `#!/usr/bin/env bash
set -euo pipefail
role=$(jq -r .role "$LAB_SIM_ROOT/etc/lab/cluster.json")
check=services
while [ $# -gt 0 ]; do case "$1" in --check) check=$2; shift 2 ;; *) shift ;; esac; done
jq -cn --arg role "$role" --arg check "$check" \\
  '{probe: "lab-health-probe", version: 1, role: $role, check: $check, ok: true,
    checks: [{name: ($role + " " + $check), kind: "service", ok: true, detail: "ok"}]}'
`;

/**
 * OMB's bin/benchmark on the client: checks its inputs, logs rates like OMB, runs for one minute
 * of virtual time, then writes the fixture result where --output says — unless the workload's
 * path contains $FAIL_RUN: then it logs an error and exits 3 without a result, as OMB does when
 * a workload fails.
 */
const BENCHMARK = `#!/usr/bin/env bash
set -euo pipefail
drivers='' workers='' output='' workloads=()
while [ $# -gt 0 ]; do
  case "$1" in
    --drivers) drivers=$2; shift 2 ;;
    --workers-file) workers=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    *) workloads+=("$1"); shift ;;
  esac
done
for file in "$drivers" "$workers" "\${workloads[@]}"; do
  [ -f "$file" ] || { echo "ERROR no such file: $file"; exit 3; }
done
grep -q '^driverClass: io.openmessaging.benchmark.driver.pulsar.PulsarBenchmarkDriver' "$drivers" || { echo 'ERROR bad driver'; exit 3; }
if [ -n "\${FAIL_RUN:-}" ] && [[ "\${workloads[0]}" == *"$FAIL_RUN"* ]]; then
  echo "ERROR Failed to run the workload: Not enough non-faulty bookies available"
  exit 3
fi
start=$(cat "$LAB_SIM_ROOT/sim/now")
end=$((start + 60000))
for _ in $(seq 2000); do
  [ "$(cat "$LAB_SIM_ROOT/sim/now")" -ge "$end" ] && break
  echo "12:00:10.000 [main] INFO WorkloadGenerator - Pub rate   998.3 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate   998.1 msg/s /  1.0 MB/s | Backlog:  0.0 K"
  sleep 0.01
done
[ "$(cat "$LAB_SIM_ROOT/sim/now")" -ge "$end" ] || { echo 'ERROR the test never advanced virtual time'; exit 4; }
cp "$LAB_SIM_ROOT/opt/omb/fixture-result.json" "$output"
echo 'INFO done'
`;

/** curl for the OMB tenant script: the broker's admin API answers 204. */
const BROKER_ADMIN_CURL = `#!/usr/bin/env bash
out=/dev/null
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; *) shift ;; esac; done
: >"$out"
printf 204
`;

/**
 * The fixture terraform's ten instances behind a simulated SSM agent, each with a healthy probe;
 * the first client has OMB (the stand-in above), curl and the workers file.
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
  for (const id of INSTANCES) {
    const base = agent.instanceRoot(id);
    writeFileSync(join(base, 'etc/lab/cluster.json'), JSON.stringify({ role: ROLES[id.slice(3, 5)] }));
    writeFileSync(join(base, 'opt/lab/bin/lab-health-probe'), PROBE, { mode: 0o755 });
  }
  const client = agent.instanceRoot(DRIVER_CLIENT);
  mkdirSync(join(client, 'opt/omb/bin'), { recursive: true });
  mkdirSync(join(client, 'etc/lab/omb'), { recursive: true });
  writeFileSync(join(client, 'opt/omb/bin/benchmark'), BENCHMARK, { mode: 0o755 });
  writeFileSync(join(client, 'opt/omb/fixture-result.json'), OMB_RESULT);
  writeFileSync(join(client, 'usr/local/bin/curl'), BROKER_ADMIN_CURL, { mode: 0o755 });
  writeFileSync(
    join(client, 'etc/lab/omb/workers.yaml'),
    'workers:\n  - http://10.42.1.130:8080\n  - http://10.42.1.131:8080\n',
  );
  return agent;
}
