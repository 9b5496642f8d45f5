import { DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { retry } from '@lab/backoff';
import { LabError, withContext } from '@lab/core';

/** A default subnet of the default VPC: where a temporary instance goes when none is given. */
export async function discoverDefaultSubnet(ec2: EC2Client): Promise<string> {
  const vpcs = await retry(() =>
    ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] })),
  ).catch((error: unknown) => {
    throw withContext(error, 'Looking for the default VPC');
  });
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (vpcId === undefined) {
    throw new LabError('NO_SUBNET', 'This region has no default VPC to place the instance in', {
      hint: 'Pass --subnet-id with a subnet that can reach the SSM endpoints (public IP or VPC endpoints).',
    });
  }
  const subnets = await retry(() =>
    ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'default-for-az', Values: ['true'] },
        ],
      }),
    ),
  ).catch((error: unknown) => {
    throw withContext(error, `Looking for a default subnet of ${vpcId}`);
  });
  const subnet = (subnets.Subnets ?? [])
    .filter((candidate) => candidate.State === undefined || candidate.State === 'available')
    .sort((a, b) => (a.AvailabilityZone ?? '').localeCompare(b.AvailabilityZone ?? ''))[0];
  if (subnet?.SubnetId === undefined) {
    throw new LabError('NO_SUBNET', `The default VPC ${vpcId} has no default subnet`, {
      hint: 'Pass --subnet-id with a subnet that can reach the SSM endpoints.',
    });
  }
  return subnet.SubnetId;
}
