import { DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  type IAMClient,
  type InstanceProfile,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesCommand,
} from '@aws-sdk/client-iam';
import { retry } from '@lab/backoff';
import { LabError, PROJECT, withContext } from '@lab/core';

/** The managed policy an instance needs for SSM Run Command and Session Manager. */
export const SSM_MANAGED_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

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

/**
 * An instance profile whose role has AmazonSSMManagedInstanceCore attached, preferring one whose
 * name starts with `pulsar-aws-lab`; then the first by name. Throws NO_INSTANCE_PROFILE when
 * there is none.
 */
export async function discoverInstanceProfile(iam: IAMClient): Promise<string> {
  const profiles: InstanceProfile[] = [];
  let marker: string | undefined;
  do {
    const page = await retry(() =>
      iam.send(new ListInstanceProfilesCommand(marker === undefined ? {} : { Marker: marker })),
    ).catch((error: unknown) => {
      throw withContext(error, 'Listing instance profiles');
    });
    profiles.push(...(page.InstanceProfiles ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);

  const withSsm: string[] = [];
  const roleHasSsm = new Map<string, boolean>();
  for (const profile of profiles) {
    for (const role of profile.Roles ?? []) {
      if (role.RoleName === undefined) continue;
      let has = roleHasSsm.get(role.RoleName);
      if (has === undefined) {
        has = await roleHasPolicy(iam, role.RoleName, SSM_MANAGED_POLICY_ARN);
        roleHasSsm.set(role.RoleName, has);
      }
      if (has && profile.InstanceProfileName !== undefined) {
        withSsm.push(profile.InstanceProfileName);
        break;
      }
    }
  }
  const sorted = withSsm.sort((a, b) => {
    const labA = a.startsWith(PROJECT) ? 0 : 1;
    const labB = b.startsWith(PROJECT) ? 0 : 1;
    return labA - labB || a.localeCompare(b);
  });
  const chosen = sorted[0];
  if (chosen === undefined) {
    throw new LabError('NO_INSTANCE_PROFILE', 'No instance profile with AmazonSSMManagedInstanceCore found', {
      hint: `Create one (e.g. ${PROJECT}-ssm with a role for ec2.amazonaws.com that has ${SSM_MANAGED_POLICY_ARN}) or pass --instance-profile.`,
    });
  }
  return chosen;
}

async function roleHasPolicy(iam: IAMClient, roleName: string, policyArn: string): Promise<boolean> {
  let marker: string | undefined;
  do {
    const page = await retry(() =>
      iam.send(
        new ListAttachedRolePoliciesCommand({
          RoleName: roleName,
          ...(marker === undefined ? {} : { Marker: marker }),
        }),
      ),
    ).catch((error: unknown) => {
      throw withContext(error, `Listing the policies of role ${roleName}`);
    });
    if ((page.AttachedPolicies ?? []).some((policy) => policy.PolicyArn === policyArn)) return true;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
  return false;
}
