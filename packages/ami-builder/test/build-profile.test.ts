import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfileTagsCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { type LabError, ValidationError } from '@lab/core';
import { awsError } from '@lab/test-support';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUILD_PROFILE, ensureBuildInstanceProfile } from '../src/aws.js';
import { policyDifferences, ssmAgentActions, ssmAgentPolicyDocument } from '../src/index.js';

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });
const POLICY_ARN = `arn:aws:iam::123456789012:policy/pulsar-aws-lab/${BUILD_PROFILE.policy}`;
const TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
);
const LAB_TAGS = [
  { Key: 'Project', Value: 'pulsar-aws-lab' },
  { Key: 'Component', Value: 'ami-build' },
  { Key: 'ManagedBy', Value: 'lab-ami' },
];
const noSuchEntity = () => awsError({ code: 'NoSuchEntity', status: 404 });
/** Nothing was written to IAM. */
function expectNoWrites(): void {
  expect(iamMock).not.toHaveReceivedCommand(CreatePolicyCommand);
  expect(iamMock).not.toHaveReceivedCommand(CreateRoleCommand);
  expect(iamMock).not.toHaveReceivedCommand(AttachRolePolicyCommand);
  expect(iamMock).not.toHaveReceivedCommand(CreateInstanceProfileCommand);
  expect(iamMock).not.toHaveReceivedCommand(AddRoleToInstanceProfileCommand);
}

beforeEach(() => {
  iamMock.reset();
});

/** IAM as lab-ami leaves it after creating the profile; `change` alters one piece. */
function existingProfile(
  change: {
    attached?: Array<{ PolicyArn: string; PolicyName: string }>;
    inline?: string[];
    document?: unknown;
    profileTags?: Array<{ Key: string; Value: string }>;
    roles?: string[];
    trust?: string;
  } = {},
) {
  iamMock.on(GetInstanceProfileCommand).resolves({
    InstanceProfile: {
      InstanceProfileName: BUILD_PROFILE.instanceProfile,
      Roles: (change.roles ?? [BUILD_PROFILE.role]).map((RoleName) => ({ RoleName }) as never),
      Tags: change.profileTags ?? LAB_TAGS,
    } as never,
  });
  iamMock.on(GetRoleCommand).resolves({
    Role: {
      RoleName: BUILD_PROFILE.role,
      AssumeRolePolicyDocument: change.trust ?? TRUST,
      Tags: LAB_TAGS,
    } as never,
  });
  iamMock.on(ListAttachedRolePoliciesCommand).resolves({
    AttachedPolicies: change.attached ?? [{ PolicyArn: POLICY_ARN, PolicyName: BUILD_PROFILE.policy }],
  });
  iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: change.inline ?? [] });
  iamMock.on(ListPoliciesCommand).resolves({
    Policies: [{ PolicyName: BUILD_PROFILE.policy, Arn: POLICY_ARN, DefaultVersionId: 'v1' }],
  });
  iamMock.on(GetPolicyVersionCommand).resolves({
    PolicyVersion: {
      Document: encodeURIComponent(JSON.stringify(change.document ?? ssmAgentPolicyDocument())),
    },
  });
}

async function refusal(): Promise<ValidationError> {
  const error = await ensureBuildInstanceProfile({ iam }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expectNoWrites();
  return error as ValidationError;
}

describe('the SSM agent policy', () => {
  it('grants the agent registration, Run Command and Session Manager channels, and nothing on Parameter Store', () => {
    expect(ssmAgentActions()).toEqual([
      'ec2messages:AcknowledgeMessage',
      'ec2messages:DeleteMessage',
      'ec2messages:FailMessage',
      'ec2messages:GetEndpoint',
      'ec2messages:GetMessages',
      'ec2messages:SendReply',
      'ssm:ListAssociations',
      'ssm:ListInstanceAssociations',
      'ssm:UpdateInstanceInformation',
      'ssmmessages:CreateControlChannel',
      'ssmmessages:CreateDataChannel',
      'ssmmessages:OpenControlChannel',
      'ssmmessages:OpenDataChannel',
    ]);
    expect(ssmAgentActions().filter((action) => /Parameter|s3:|kms:|\*$/.test(action))).toEqual([]);
    expect(policyDifferences(ssmAgentPolicyDocument())).toEqual([]);
  });

  it('names what a document grants beyond it', () => {
    const document = ssmAgentPolicyDocument();
    document.Statement.push({ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' });
    document.Statement.push({ Effect: 'Allow', Action: 'ec2messages:GetMessages', Resource: 'arn:x' });
    expect(policyDifferences(document)).toEqual([
      'resources other than * (arn:x)',
      'the extra action ssm:GetParameter',
    ]);
  });
});

describe('ensureBuildInstanceProfile', () => {
  it('creates the policy, role and profile once, tagged without an ExperimentID', async () => {
    iamMock.on(GetInstanceProfileCommand).rejects(noSuchEntity());
    iamMock.on(GetRoleCommand).rejects(noSuchEntity());
    iamMock.on(ListPoliciesCommand).resolves({ Policies: [] });
    iamMock.on(CreatePolicyCommand).resolves({ Policy: { Arn: POLICY_ARN } });
    const result = await ensureBuildInstanceProfile({ iam });
    expect(result).toEqual({
      instanceProfile: 'pulsar-aws-lab-ami-build',
      created: ['policy', 'role', 'attachment', 'instance-profile', 'role-in-profile'],
    });
    const policy = iamMock.commandCalls(CreatePolicyCommand)[0]!.args[0].input;
    expect(policy).toMatchObject({
      PolicyName: 'pulsar-aws-lab-ami-build-ssm-agent',
      Path: '/pulsar-aws-lab/',
    });
    expect(policyDifferences(JSON.parse(policy.PolicyDocument!))).toEqual([]);
    for (const tags of [
      iamMock.commandCalls(CreatePolicyCommand)[0]!.args[0].input.Tags!,
      iamMock.commandCalls(CreateRoleCommand)[0]!.args[0].input.Tags!,
      iamMock.commandCalls(CreateInstanceProfileCommand)[0]!.args[0].input.Tags!,
    ]) {
      expect(tags).toEqual(expect.arrayContaining(LAB_TAGS));
      expect(tags.map((tag) => tag.Key)).not.toContain('ExperimentID');
    }
    expect(
      JSON.parse(iamMock.commandCalls(CreateRoleCommand)[0]!.args[0].input.AssumeRolePolicyDocument!),
    ).toEqual(JSON.parse(decodeURIComponent(TRUST)));
    expect(iamMock).toHaveReceivedCommandWith(AttachRolePolicyCommand, {
      RoleName: 'pulsar-aws-lab-ami-build',
      PolicyArn: POLICY_ARN,
    });
    expect(iamMock).toHaveReceivedCommandWith(AddRoleToInstanceProfileCommand, {
      InstanceProfileName: 'pulsar-aws-lab-ami-build',
      RoleName: 'pulsar-aws-lab-ami-build',
    });
  });

  it('reuses the profile when it is exactly what lab-ami makes, creating nothing', async () => {
    existingProfile();
    expect(await ensureBuildInstanceProfile({ iam })).toEqual({
      instanceProfile: 'pulsar-aws-lab-ami-build',
      created: [],
    });
    expectNoWrites();
  });

  it('reads profile tags with ListInstanceProfileTags when GetInstanceProfile has none', async () => {
    existingProfile({ profileTags: [] });
    iamMock.on(ListInstanceProfileTagsCommand).resolves({ Tags: [{ Key: 'ExperimentID', Value: 'exp-1' }] });
    const error = await refusal();
    expect(error.issues.map((issue) => issue.message)).toEqual([
      "is tagged ExperimentID=exp-1: that experiment's cleanup would delete it",
    ]);
  });

  it('refuses a role with an extra managed policy (exit 2: a ValidationError), creating nothing', async () => {
    existingProfile({
      attached: [
        { PolicyArn: POLICY_ARN, PolicyName: BUILD_PROFILE.policy },
        { PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', PolicyName: 'AdministratorAccess' },
      ],
    });
    const error = await refusal();
    expect((error as LabError).code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('could do more than the build needs');
    expect(error.issues).toEqual([
      {
        path: 'role pulsar-aws-lab-ami-build',
        message: 'has the extra policy AdministratorAccess attached',
        expected: 'only pulsar-aws-lab-ami-build-ssm-agent',
        received: 'arn:aws:iam::aws:policy/AdministratorAccess',
      },
    ]);
    expect(error.hint).toContain('--instance-profile');
  });

  it('refuses inline policies, a wider policy document, a wider trust and another role', async () => {
    existingProfile({ inline: ['s3-everything'] });
    expect((await refusal()).issues.map((issue) => issue.message)).toEqual([
      'has the inline policy s3-everything',
    ]);

    iamMock.reset();
    const wider = ssmAgentPolicyDocument();
    wider.Statement.push({ Effect: 'Allow', Action: ['ssm:GetParameters'], Resource: '*' });
    existingProfile({ document: wider });
    expect((await refusal()).issues.map((issue) => issue.message)).toEqual([
      'grants the extra action ssm:GetParameters',
    ]);

    iamMock.reset();
    existingProfile({
      trust: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    });
    expect((await refusal()).issues.map((issue) => issue.message)).toEqual([
      'may be assumed by more than EC2',
    ]);

    iamMock.reset();
    existingProfile({ roles: ['someone-elses-admin'] });
    expect((await refusal()).issues.map((issue) => `${issue.message}: ${issue.received}`)).toEqual([
      'holds another role: someone-elses-admin',
    ]);
  });
});
