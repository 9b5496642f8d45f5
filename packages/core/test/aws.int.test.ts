import {
  CreateVpcCommand,
  DescribeRegionsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describeWithMoto, injectFaults, motoAccount } from '@lab/test-support';
import { expect, it } from 'vitest';
import { createAwsClient } from '../src/aws.js';
import { awsErrorCode } from '../src/index.js';

describeWithMoto('createAwsClient against moto', () => {
  it('reaches the endpoint with the given region and credentials', async () => {
    const account = await motoAccount('eu-west-1');
    const sts = createAwsClient(STSClient, account.connection);
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(account.accountId);

    const ec2 = createAwsClient(EC2Client, account.connection);
    expect(await ec2.config.region()).toBe('eu-west-1');
    const regions = await ec2.send(new DescribeRegionsCommand({}));
    expect(regions.Regions?.map((r) => r.RegionName)).toContain('eu-west-1');
  });

  it('gives each test its own account, so parallel suites never see each other', async () => {
    const a = await motoAccount();
    const b = await motoAccount();
    await a.ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
    const inA = await a.ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.42.0.0/16'] }] }),
    );
    const inB = await b.ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.42.0.0/16'] }] }),
    );
    expect(inA.Vpcs).toHaveLength(1);
    expect(inB.Vpcs).toHaveLength(0);
  });

  it('surfaces real error codes and injected faults in the same shape', async () => {
    const account = await motoAccount();
    const ec2 = createAwsClient(EC2Client, account.connection);
    const real = await ec2
      .send(new DescribeVpcsCommand({ VpcIds: ['vpc-00000000000000000'] }))
      .catch((e: unknown) => e);
    expect(awsErrorCode(real)).toBe('InvalidVpcID.NotFound');

    const faults = injectFaults(ec2, [
      { command: 'DescribeVpcsCommand', code: 'RequestLimitExceeded', status: 503 },
    ]);
    const injected = await ec2.send(new DescribeVpcsCommand({})).catch((e: unknown) => e);
    expect(awsErrorCode(injected)).toBe('RequestLimitExceeded');
    expect(faults.injected).toEqual([{ command: 'DescribeVpcsCommand', code: 'RequestLimitExceeded' }]);
    await expect(ec2.send(new DescribeVpcsCommand({}))).resolves.toBeDefined();
  });
});
