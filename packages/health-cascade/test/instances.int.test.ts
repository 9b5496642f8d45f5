import { DescribeImagesCommand, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { createVirtualTime, labTags, toAwsTags } from '@lab/core';
import { describeWithMoto, injectFaults, type MotoAccount, motoAccount } from '@lab/test-support';
import { expect, it } from 'vitest';
import { discoverInstanceTargets, instancesRunningStage } from '../src/aws.js';
import { CascadeStageError, runCascade } from '../src/index.js';

// moto's image catalogue is the same in every account and slow to list: look it up once.
let imageId: Promise<string> | undefined;

async function launch(
  account: MotoAccount,
  experimentId: string,
  component: 'zookeeper' | 'broker',
  count: number,
) {
  imageId ??= account.ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] })).then((images) => {
    const id = images.Images?.[0]?.ImageId;
    if (id === undefined) throw new Error('moto has no images');
    return id;
  });
  const result = await account.ec2.send(
    new RunInstancesCommand({
      ImageId: await imageId,
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: toAwsTags(labTags({ experimentId, component })) },
      ],
    }),
  );
  return (result.Instances ?? []).map((instance) => instance.InstanceId!);
}

describeWithMoto('instancesRunningStage against moto', () => {
  it('passes by ids and by tag filters, through an injected throttling error', async () => {
    const account = await motoAccount();
    const experimentId = 'exp-20260101-120000';
    await launch(account, experimentId, 'zookeeper', 2);
    await launch(account, experimentId, 'broker', 1);
    const targets = await discoverInstanceTargets({ ec2: account.ec2, experimentId });
    expect(targets.map((target) => target.label)).toEqual(['zookeeper-1', 'zookeeper-2', 'broker-1']);

    const faults = injectFaults(account.ec2, [
      { command: 'DescribeInstancesCommand', code: 'RequestLimitExceeded' },
    ]);
    const byIds = await runCascade({
      stages: [instancesRunningStage({ ec2: account.ec2 })],
      targets,
      ...createVirtualTime(),
    });
    expect(faults.injected).toHaveLength(1);
    expect(byIds.stages[0]!.attempts).toBe(2);

    const byTags = await runCascade({
      stages: [
        instancesRunningStage({
          ec2: account.ec2,
          filters: [{ Name: 'tag:ExperimentID', Values: [experimentId] }],
        }),
      ],
      targets,
      ...createVirtualTime(),
    });
    expect(byTags.stages[0]!.attempts).toBe(1);
  });

  it('waits through InvalidInstanceID.NotFound and fails fast on a terminated instance', async () => {
    const account = await motoAccount();
    const [first, second] = await launch(account, 'exp-20260101-130000', 'zookeeper', 2);
    const missing = 'i-0123456789abcdef0';
    const waiting = (await runCascade({
      stages: [instancesRunningStage({ ec2: account.ec2, timeoutMs: 3000 })],
      targets: [{ id: first! }, { id: missing }],
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(waiting.reason).toBe('timeout');
    expect(waiting.notReady.find((entry) => entry.target.id === missing)?.observation.detail).toContain(
      'InvalidInstanceID.NotFound',
    );

    await account.ec2.send(new TerminateInstancesCommand({ InstanceIds: [second!] }));
    const terminated = (await runCascade({
      stages: [instancesRunningStage({ ec2: account.ec2 })],
      targets: [{ id: first! }, { id: second! }],
      ...createVirtualTime(),
    }).catch((caught: unknown) => caught)) as CascadeStageError;
    expect(terminated).toBeInstanceOf(CascadeStageError);
    expect(terminated.reason).toBe('terminal');
    expect(terminated.notReady.map((entry) => entry.target.id)).toEqual([second]);
  });
});
