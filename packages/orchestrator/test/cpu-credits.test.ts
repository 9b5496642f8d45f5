import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Experiment, Manifest } from '@lab/experiment-store';
import type { HostMetricsSeries } from '@lab/host-metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { markCpuCredits } from '../src/cpu-credits.js';
import type { ResolvedDeps } from '../src/deps.js';

vi.mock('../src/common.js', () => ({
  storedOutputs: async () => ({
    roles: {
      zookeeper: { instanceIds: ['i-zk1'], privateIps: ['10.0.0.1'] },
      bookkeeper: { instanceIds: ['i-bk1'], privateIps: ['10.0.0.2'] },
      broker: { instanceIds: ['i-br1'], privateIps: ['10.0.0.3'] },
      client: { instanceIds: ['i-cl1'], privateIps: ['10.0.0.4'] },
    },
  }),
}));

const series = (host: string, instanceType: string): HostMetricsSeries => ({
  host,
  role: 'broker',
  instanceType,
  samples: [],
});
const run = { id: '001-run', startedAt: '2026-11-30T10:00:00.000Z', endedAt: '2026-11-30T10:10:00.000Z' };
const aws = (manifestTarget: 'aws' | 'local', cloudwatch: CloudWatchClient) => ({
  deps: { aws: () => ({ cloudwatch: async () => cloudwatch }) } as unknown as ResolvedDeps,
  manifest: {
    target: manifestTarget,
    regions: manifestTarget === 'aws' ? ['eu-west-1'] : [],
  } as unknown as Manifest,
});
const experiment = {} as Experiment;

describe('markCpuCredits', () => {
  it('asks CloudWatch only about burstable hosts and marks those that ran out', async () => {
    const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
    const mock = mockClient(cloudwatch);
    mock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'i0', Values: [0.4], StatusCode: 'Complete' },
        { Id: 'i1', Values: [120], StatusCode: 'Complete' },
      ],
    });
    const hosts = [
      series('broker-1', 't3.medium'),
      series('zookeeper-1', 't3.small'),
      series('bookkeeper-1', 'i4i.large'),
    ];
    const { deps, manifest } = aws('aws', cloudwatch);
    const note = await markCpuCredits(deps, experiment, manifest, run, hosts);
    const asked = mock.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(asked.map((query) => query.MetricStat?.Metric?.Dimensions?.[0]?.Value)).toEqual([
      'i-br1',
      'i-zk1',
    ]);
    expect(hosts.map((host) => host.cpuCreditsExhausted)).toEqual([true, false, undefined]);
    expect(note).toBe(
      '001-run: broker-1 ran out of CPU credits during the run (burstable: throttled to baseline); its numbers are not steady-state.',
    );
  });

  it('a check that cannot be made says why and marks nothing', async () => {
    const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
    mockClient(cloudwatch)
      .on(GetMetricDataCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), {
          name: 'AccessDenied',
        }),
      );
    const hosts = [series('broker-1', 't3.medium')];
    const { deps, manifest } = aws('aws', cloudwatch);
    const note = await markCpuCredits(deps, experiment, manifest, run, hosts);
    expect(note).toMatch(
      /^001-run: CPU credits of its burstable hosts not checked \(.*GetMetricData.*\); needs cloudwatch:GetMetricData$/,
    );
    expect(hosts[0]?.cpuCreditsExhausted).toBeUndefined();
  });

  it('nothing to ask on this machine or without burstable hosts', async () => {
    const cloudwatch = new CloudWatchClient({ region: 'eu-west-1' });
    const mock = mockClient(cloudwatch);
    expect(
      await markCpuCredits(
        aws('local', cloudwatch).deps,
        experiment,
        aws('local', cloudwatch).manifest,
        run,
        [series('this-machine', 't3.large')],
      ),
    ).toBeUndefined();
    expect(
      await markCpuCredits(aws('aws', cloudwatch).deps, experiment, aws('aws', cloudwatch).manifest, run, [
        series('broker-1', 'm7i.large'),
      ]),
    ).toBeUndefined();
    expect(mock.calls()).toHaveLength(0);
  });
});
