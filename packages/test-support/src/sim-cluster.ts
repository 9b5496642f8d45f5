import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A healthy `lab-health-probe` for every role (the real probe is tested by @lab/health-cascade). */
export const HEALTHY_PROBE = `#!/usr/bin/env bash
set -euo pipefail
role=$(jq -r .role "$LAB_SIM_ROOT/etc/lab/cluster.json")
check=services
while [ $# -gt 0 ]; do case "$1" in --check) check=$2; shift 2 ;; *) shift ;; esac; done
jq -cn --arg role "$role" --arg check "$check" \\
  '{probe: "lab-health-probe", version: 1, role: $role, check: $check, ok: true,
    checks: [{name: ($role + " " + $check), kind: "service", ok: true, detail: "ok"}]}'
`;

/** curl for the OMB tenant script: the broker's admin API answers 204. */
export const BROKER_ADMIN_CURL = `#!/usr/bin/env bash
out=/dev/null
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; *) shift ;; esac; done
: >"$out"
printf 204
`;

/**
 * OMB's `bin/benchmark` on a simulated client: checks its inputs, logs rates like OMB, runs for
 * `virtualMinutes` of the agent's virtual time, then copies `opt/omb/fixture-result.json` where
 * --output says — unless the workload's path contains `$FAIL_RUN`: then it logs an error and
 * exits 3 without a result, as OMB does when a workload fails.
 */
export function ombBenchmarkStandIn(virtualMinutes: number): string {
  return `#!/usr/bin/env bash
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
echo "INFO Workloads: \${workloads[*]}"
start=$(cat "$LAB_SIM_ROOT/sim/now")
end=$((start + ${virtualMinutes} * 60000))
for _ in $(seq 2000); do
  [ "$(cat "$LAB_SIM_ROOT/sim/now")" -ge "$end" ] && break
  echo "12:00:10.000 [main] INFO WorkloadGenerator - Pub rate   998.3 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate   998.1 msg/s /  1.0 MB/s | Backlog:  0.0 K"
  sleep 0.01
done
[ "$(cat "$LAB_SIM_ROOT/sim/now")" -ge "$end" ] || { echo 'ERROR the test never advanced virtual time'; exit 4; }
cp "$LAB_SIM_ROOT/opt/omb/fixture-result.json" "$output"
echo 'INFO done'
`;
}

const ROLE_OF: Record<string, string> = { zk: 'zookeeper', bk: 'bookkeeper', br: 'broker', cl: 'client' };

/**
 * Stocks a simulated fleet as the lab's image would be, for the fixture terraform's instance ids
 * (`i-0zk…`, `i-0bk…`, `i-0br…`, `i-0cl…`): every instance gets its role's cluster document and
 * a healthy probe; `client` gets OMB (`ombBenchmarkStandIn(benchmarkMinutes)` and `ombResult`),
 * curl for the broker's admin API, and the workers file of two OMB workers.
 */
export function stockSimulatedCluster(
  instanceRoot: (instanceId: string) => string,
  options: {
    instances: readonly string[];
    client: string;
    ombResult: string | Uint8Array;
    benchmarkMinutes: number;
  },
): void {
  for (const id of options.instances) {
    const base = instanceRoot(id);
    writeFileSync(join(base, 'etc/lab/cluster.json'), JSON.stringify({ role: ROLE_OF[id.slice(3, 5)] }));
    writeFileSync(join(base, 'opt/lab/bin/lab-health-probe'), HEALTHY_PROBE, { mode: 0o755 });
  }
  const client = instanceRoot(options.client);
  mkdirSync(join(client, 'opt/omb/bin'), { recursive: true });
  mkdirSync(join(client, 'etc/lab/omb'), { recursive: true });
  mkdirSync(join(client, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(client, 'opt/omb/bin/benchmark'), ombBenchmarkStandIn(options.benchmarkMinutes), {
    mode: 0o755,
  });
  writeFileSync(join(client, 'opt/omb/fixture-result.json'), options.ombResult);
  writeFileSync(join(client, 'usr/local/bin/curl'), BROKER_ADMIN_CURL, { mode: 0o755 });
  writeFileSync(
    join(client, 'etc/lab/omb/workers.yaml'),
    'workers:\n  - http://10.42.1.130:8080\n  - http://10.42.1.131:8080\n',
  );
}
