import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createVirtualTime } from '@lab/core';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  discoverInstanceTargets,
  type InstanceTarget,
  instancesRunningStage,
  labHealthStages,
  ssmOnlineStage,
} from '../src/aws.js';
import { CascadeStageError, runCascade } from '../src/index.js';

const ec2Mock = mockClient(EC2Client);
const ssmMock = mockClient(SSMClient);
const ec2 = new EC2Client({ region: 'us-east-1' });
const ssm = new SSMClient({ region: 'us-east-1' });

beforeEach(() => {
  ec2Mock.reset();
  ssmMock.reset();
});

const instance = (id: string, state: string, extra: Partial<Instance> = {}): Instance => ({
  InstanceId: id,
  State: { Name: state as 'running' },
  ...extra,
});

const ids = (count: number) =>
  Array.from({ length: count }, (_, index) => `i-${(index + 1).toString(16).padStart(8, '0')}`);
const targetsOf = (list: string[]): InstanceTarget[] => list.map((id) => ({ id }));

function notFound(message: string): Error {
  return Object.assign(new Error(message), { name: 'InvalidInstanceID.NotFound', $fault: 'client' });
}

describe('instancesRunningStage', () => {
  it('follows NextToken across pages and passes when every instance is running', async () => {
    const list = ids(3);
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [instance(list[0]!, 'running')] }],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        Reservations: [{ Instances: [instance(list[1]!, 'running'), instance(list[2]!, 'running')] }],
      });

    const report = await runCascade({
      stages: [instancesRunningStage({ ec2 })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    });
    expect(report.stages[0]).toMatchObject({ name: 'instances running', attempts: 1 });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 2);
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 1, { InstanceIds: list });
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 2, {
      InstanceIds: list,
      NextToken: 'page-2',
    });
  });

  it('keeps waiting through InvalidInstanceID.NotFound (eventual consistency) and pending', async () => {
    const list = ids(2);
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejectsOnce(notFound(`The instance ID '${list[1]}' does not exist`))
      .resolvesOnce({
        Reservations: [{ Instances: [instance(list[0]!, 'running'), instance(list[1]!, 'pending')] }],
      })
      .resolves({
        Reservations: [{ Instances: [instance(list[0]!, 'running'), instance(list[1]!, 'running')] }],
      });

    const report = await runCascade({
      stages: [instancesRunningStage({ ec2 })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    });
    expect(report.stages[0]!.attempts).toBe(3);
  });

  it('names the ids EC2 could not find in the timeout report', async () => {
    const list = ids(2);
    ec2Mock.on(DescribeInstancesCommand).rejects(notFound(`The instance ID '${list[1]}' does not exist`));
    const error = (await runCascade({
      stages: [instancesRunningStage({ ec2, timeoutMs: 5000 })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.reason).toBe('timeout');
    expect(error.notReady.map((entry) => [entry.target.id, entry.observation.detail])).toEqual([
      [list[0], 'not described this round: another instance id was not found yet'],
      [list[1], 'InvalidInstanceID.NotFound (new instances take a moment to appear)'],
    ]);
  });

  it.each(['shutting-down', 'terminated', 'stopping'])('fails fast when an instance is %s', async (state) => {
    const list = ids(2);
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            instance(list[0]!, 'running'),
            instance(list[1]!, state, {
              StateReason: {
                Code: 'Server.InsufficientInstanceCapacity',
                Message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.',
              },
            }),
          ],
        },
      ],
    });
    const error = (await runCascade({
      stages: [instancesRunningStage({ ec2 })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error).toBeInstanceOf(CascadeStageError);
    expect(error.reason).toBe('terminal');
    expect(error.elapsedMs).toBe(0);
    expect(error.message).toContain(
      `${list[1]}: ${state}: Server.InsufficientInstanceCapacity: Insufficient capacity. [terminal]`,
    );
  });

  it('queries by tag filters with MaxResults, paginated, and waits for instances not returned yet', async () => {
    const list = ids(3);
    const filters = [{ Name: 'tag:ExperimentID', Values: ['exp-20260101-000000'] }];
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [instance(list[0]!, 'running')] }] })
      .resolvesOnce({ Reservations: [{ Instances: [instance(list[0]!, 'running')] }], NextToken: 't2' })
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              instance(list[1]!, 'running'),
              instance(list[2]!, 'running'),
              instance('i-ffffffff', 'running'),
            ],
          },
        ],
      });
    const { sink, events } = (await import('@lab/core')).collectEvents();
    await runCascade({
      stages: [instancesRunningStage({ ec2, filters })],
      targets: targetsOf(list),
      events: sink,
      ...createVirtualTime(),
    });
    expect(ec2Mock).toHaveReceivedCommandTimes(DescribeInstancesCommand, 3);
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 3, {
      Filters: filters,
      MaxResults: 1000,
      NextToken: 't2',
    });
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input.InstanceIds).toBeUndefined();
    const firstRound = events.filter((event) => event.type === 'cascade.stage.target').slice(0, 3);
    expect(firstRound[1]!.data?.detail).toMatch(/^not returned by the filtered DescribeInstances yet/);
  });

  it('treats throttling as a round that is not ready yet', async () => {
    const list = ids(1);
    ec2Mock
      .on(DescribeInstancesCommand)
      .rejectsOnce(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' }))
      .resolves({ Reservations: [{ Instances: [instance(list[0]!, 'running')] }] });
    const report = await runCascade({
      stages: [instancesRunningStage({ ec2 })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    });
    expect(report.stages[0]!.attempts).toBe(2);
  });
});

describe('ssmOnlineStage', () => {
  it('asks for ≤ 50 ids per query, follows every page, and passes when all are Online', async () => {
    const list = ids(60);
    ssmMock
      .on(DescribeInstanceInformationCommand)
      .callsFake((input: { Filters: Array<{ Values: string[] }>; NextToken?: string }) => {
        const values = input.Filters[0]!.Values;
        // Two pages per query: first half, then second half.
        const half = Math.ceil(values.length / 2);
        const page = input.NextToken === undefined ? values.slice(0, half) : values.slice(half);
        return {
          InstanceInformationList: page.map((id) => ({
            InstanceId: id,
            PingStatus: 'Online',
            AgentVersion: '3.3.0',
          })),
          ...(input.NextToken === undefined ? { NextToken: `next-${values[0]}` } : {}),
        };
      });
    const report = await runCascade({
      stages: [ssmOnlineStage({ ssm })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    });
    expect(report.stages[0]).toMatchObject({ attempts: 1, targets: 60 });
    expect(ssmMock).toHaveReceivedCommandTimes(DescribeInstanceInformationCommand, 4);
    expect(ssmMock).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 1, {
      Filters: [{ Key: 'InstanceIds', Values: list.slice(0, 50) }],
      MaxResults: 50,
    });
    expect(ssmMock).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 3, {
      Filters: [{ Key: 'InstanceIds', Values: list.slice(50) }],
      MaxResults: 50,
    });
    expect(ssmMock).toHaveReceivedNthCommandWith(DescribeInstanceInformationCommand, 2, {
      NextToken: `next-${list[0]}`,
    });
  });

  it('waits for unregistered and ConnectionLost agents and reports them on timeout', async () => {
    const list = ids(3);
    const lastPing = new Date('2026-01-01T00:00:00Z');
    ssmMock.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [
        { InstanceId: list[0], PingStatus: 'Online' },
        { InstanceId: list[1], PingStatus: 'ConnectionLost', LastPingDateTime: lastPing },
      ],
    });
    const error = (await runCascade({
      stages: [ssmOnlineStage({ ssm, timeoutMs: 4000 })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(error.stage).toBe('SSM agent online');
    expect(error.notReady.map((entry) => entry.observation.detail)).toEqual([
      'PingStatus ConnectionLost, last ping 2026-01-01T00:00:00.000Z',
      'SSM agent not registered yet',
    ]);
    expect(error.hint).toContain('AmazonSSMManagedInstanceCore');
  });

  it('uses the given filters instead of instance ids', async () => {
    const list = ids(2);
    const filters = [{ Key: 'tag:ExperimentID', Values: ['exp-1'] }];
    ssmMock.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: list.map((id) => ({ InstanceId: id, PingStatus: 'Online' })),
    });
    await runCascade({
      stages: [ssmOnlineStage({ ssm, filters })],
      targets: targetsOf(list),
      ...createVirtualTime(),
    });
    expect(ssmMock).toHaveReceivedCommandWith(DescribeInstanceInformationCommand, { Filters: filters });
  });
});

describe('discoverInstanceTargets', () => {
  it('finds the experiment by tags, orders by role then launch time, labels by role', async () => {
    const tags = (component: string) => [
      { Key: 'Project', Value: 'pulsar-aws-lab' },
      { Key: 'ExperimentID', Value: 'exp-1' },
      { Key: 'Component', Value: component },
    ];
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [
          {
            Instances: [
              instance('i-2', 'running', { Tags: tags('zookeeper'), LaunchTime: new Date(2000) }),
              instance('i-1', 'pending', { Tags: tags('zookeeper'), LaunchTime: new Date(1000) }),
            ],
          },
        ],
        NextToken: 'n',
      })
      .resolvesOnce({
        Reservations: [
          { Instances: [instance('i-3', 'running', { Tags: tags('broker'), LaunchTime: new Date(500) })] },
        ],
      });
    const targets = await discoverInstanceTargets({ ec2, experimentId: 'exp-1' });
    expect(targets).toEqual([
      { id: 'i-1', label: 'zookeeper-1', role: 'zookeeper' },
      { id: 'i-2', label: 'zookeeper-2', role: 'zookeeper' },
      { id: 'i-3', label: 'broker-1', role: 'broker' },
    ]);
    expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeInstancesCommand, 1, {
      Filters: [
        { Name: 'tag:Project', Values: ['pulsar-aws-lab'] },
        { Name: 'tag:ExperimentID', Values: ['exp-1'] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
    });
  });
});

describe('labHealthStages', () => {
  it('builds the four stages in order with the ZooKeeper ensemble size from the targets', () => {
    const scripts: string[] = [];
    const stages = labHealthStages({
      ec2,
      ssm,
      runCommand: async (request) => {
        scripts.push(request.script);
        return [];
      },
      targets: [
        { id: 'i-1', role: 'zookeeper' },
        { id: 'i-2', role: 'zookeeper' },
        { id: 'i-3', role: 'zookeeper' },
        { id: 'i-4', role: 'broker' },
      ],
      timeouts: { ssmOnline: 1234 },
    });
    expect(stages.map((stage) => stage.name)).toEqual([
      'instances running',
      'SSM agent online',
      'services active',
      'endpoints healthy',
    ]);
    expect(stages[1]!.timeoutMs).toBe(1234);
    expect(stages.map((stage) => stage.progressLabel)).toEqual([
      'running',
      'SSM online',
      undefined,
      undefined,
    ]);
  });
});
