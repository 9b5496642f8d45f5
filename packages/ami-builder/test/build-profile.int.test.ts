import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { ValidationError } from '@lab/core';
import { describeWithMoto, motoAccount } from '@lab/test-support';
import { expect, it } from 'vitest';
import { BUILD_PROFILE, ensureBuildInstanceProfile, inspectBuildInstanceProfile } from '../src/aws.js';

describeWithMoto('the AMI build instance profile against moto', () => {
  it('is created once with only the SSM agent policy, then reused, and refused once it can do more', async () => {
    const { iam } = await motoAccount();
    expect((await inspectBuildInstanceProfile(iam)).profile).toBeUndefined();

    const first = await ensureBuildInstanceProfile({ iam });
    expect(first.created).toEqual(['policy', 'role', 'attachment', 'instance-profile', 'role-in-profile']);
    const profile = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: BUILD_PROFILE.instanceProfile }),
    );
    expect(profile.InstanceProfile?.Roles?.map((role) => role.RoleName)).toEqual([BUILD_PROFILE.role]);
    const tags = profile.InstanceProfile?.Tags ?? [];
    expect(Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]))).toEqual({
      Project: 'pulsar-aws-lab',
      Component: 'ami-build',
      ManagedBy: 'lab-ami',
      Name: BUILD_PROFILE.instanceProfile,
    });
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: BUILD_PROFILE.role }));
    expect(attached.AttachedPolicies?.map((policy) => policy.PolicyName)).toEqual([BUILD_PROFILE.policy]);
    const role = await iam.send(new GetRoleCommand({ RoleName: BUILD_PROFILE.role }));
    expect(role.Role?.Tags?.map((tag) => tag.Key)).not.toContain('ExperimentID');

    // What IAM stored reads back as exactly the expected profile.
    expect(await inspectBuildInstanceProfile(iam)).toMatchObject({ ready: true, issues: [] });
    expect(await ensureBuildInstanceProfile({ iam })).toEqual({
      instanceProfile: BUILD_PROFILE.instanceProfile,
      created: [],
    });

    const extra = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'read-every-parameter',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: '*' }],
        }),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({ RoleName: BUILD_PROFILE.role, PolicyArn: extra.Policy!.Arn }),
    );
    const error = await ensureBuildInstanceProfile({ iam }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.message)).toEqual([
      'has the extra policy read-every-parameter attached',
    ]);
  });
});
