import { errorMessage } from '@lab/core';
import type { Experiment, Manifest } from '@lab/experiment-store';
import type { HostMetricsSeries } from '@lab/host-metrics';
import { storedOutputs } from './common.js';
import type { ResolvedDeps } from './deps.js';

/**
 * Marks the hosts of one run that ran out of CPU credits (burstable types only, AWS only), from
 * CloudWatch's `CPUCreditBalance` over the run's span. A check that cannot be made (no
 * `cloudwatch:GetMetricData`, no datapoints yet) leaves the series unmarked and says why.
 */
export async function markCpuCredits(
  deps: ResolvedDeps,
  experiment: Experiment,
  manifest: Manifest,
  run: { id: string; startedAt?: string | undefined; endedAt?: string | undefined },
  series: HostMetricsSeries[],
): Promise<string | undefined> {
  const region = manifest.regions[0];
  if (manifest.target !== 'aws' || region === undefined || run.startedAt === undefined) return undefined;
  const { isBurstable } = await import('@lab/host-metrics');
  const burstable = series.filter(
    (host) => host.instanceType !== undefined && isBurstable(host.instanceType),
  );
  if (burstable.length === 0) return undefined;
  try {
    const outputs = await storedOutputs(experiment);
    const idOf = new Map(
      Object.entries(outputs.roles).flatMap(([role, instances]) =>
        instances.instanceIds.map((instanceId, index): [string, string] => [
          `${role}-${index + 1}`,
          instanceId,
        ]),
      ),
    );
    const { cpuCreditsExhausted } = await import('@lab/host-metrics/aws');
    const status = await cpuCreditsExhausted({
      cloudwatch: await deps.aws(region).cloudwatch(),
      instanceIds: burstable.flatMap((host) => idOf.get(host.host) ?? []),
      from: new Date(run.startedAt),
      to: new Date(run.endedAt ?? run.startedAt),
      ...(deps.signal === undefined ? {} : { signal: deps.signal }),
    });
    for (const host of burstable) {
      const exhausted = status.get(idOf.get(host.host) ?? '')?.exhausted;
      if (exhausted !== undefined) host.cpuCreditsExhausted = exhausted;
    }
    const out = burstable.filter((host) => host.cpuCreditsExhausted === true).map((host) => host.host);
    return out.length === 0
      ? undefined
      : `${run.id}: ${out.join(', ')} ran out of CPU credits during the run (burstable: throttled to baseline); its numbers are not steady-state.`;
  } catch (error) {
    return `${run.id}: CPU credits of its burstable hosts not checked (${errorMessage(error)}); needs cloudwatch:GetMetricData`;
  }
}
