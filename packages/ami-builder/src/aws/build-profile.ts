import {
  AddRoleToInstanceProfileCommand,
  type AttachedPolicy,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  type IAMClient,
  type InstanceProfile,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfileTagsCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  type Policy,
  type Role,
} from '@aws-sdk/client-iam';
import { retry } from '@lab/backoff';
import {
  awsErrorCode,
  type Clock,
  createEmitter,
  type EventSink,
  PROJECT,
  systemClock,
  TAG_KEYS,
  toAwsTags,
  ValidationError,
  type ValidationIssue,
  withContext,
} from '@lab/core';
import { parsePolicyDocument, policyDifferences, ssmAgentPolicyDocument } from '../ssm-agent-policy.js';

/**
 * The instance profile AMI builds and validations run with: created once per account by lab-ami,
 * holding only the SSM agent policy. Tagged Project/Component/ManagedBy but deliberately NOT with
 * an ExperimentID, so no experiment's cleanup ever deletes it.
 */
export const BUILD_PROFILE = {
  instanceProfile: `${PROJECT}-ami-build`,
  role: `${PROJECT}-ami-build`,
  policy: `${PROJECT}-ami-build-ssm-agent`,
  /** The policy's IAM path, so it is found with one ListPolicies call. */
  policyPath: `/${PROJECT}/`,
} as const;

export const BUILD_PROFILE_TAGS = {
  [TAG_KEYS.project]: PROJECT,
  [TAG_KEYS.component]: 'ami-build',
  [TAG_KEYS.managedBy]: 'lab-ami',
} as const;

const EC2_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** What exists of the build profile, as read from IAM. */
export interface BuildProfileState {
  profile: { roles: string[]; tags: Record<string, string> } | undefined;
  role:
    | { tags: Record<string, string>; trust: unknown; attached: AttachedPolicy[]; inline: string[] }
    | undefined;
  policy: { arn: string; document: unknown } | undefined;
  /** Why the existing pieces may not be used (empty when they may, or nothing exists). */
  issues: ValidationIssue[];
  /** Every piece exists and is exactly as lab-ami makes it. */
  ready: boolean;
}

export interface BuildProfileOptions {
  iam: IAMClient;
  events?: EventSink | undefined;
  clock?: Clock | undefined;
}

export interface BuildProfileResult {
  instanceProfile: string;
  /** What this call created (empty when everything existed). */
  created: Array<'policy' | 'role' | 'attachment' | 'instance-profile' | 'role-in-profile'>;
}

/** Reads the build profile's role, policy and profile from IAM and judges them; changes nothing. */
export async function inspectBuildInstanceProfile(iam: IAMClient): Promise<BuildProfileState> {
  const profile = await getOrUndefined(
    () => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: BUILD_PROFILE.instanceProfile })),
    `Reading instance profile ${BUILD_PROFILE.instanceProfile}`,
  );
  const role = await getOrUndefined(
    () => iam.send(new GetRoleCommand({ RoleName: BUILD_PROFILE.role })),
    `Reading role ${BUILD_PROFILE.role}`,
  );
  const policy = await findPolicy(iam);
  const state: BuildProfileState = {
    profile:
      profile?.InstanceProfile === undefined
        ? undefined
        : {
            roles: (profile.InstanceProfile.Roles ?? []).map((candidate) => candidate.RoleName ?? ''),
            tags: await profileTags(iam, profile.InstanceProfile),
          },
    role: role?.Role === undefined ? undefined : await describeRole(iam, role.Role),
    policy:
      policy === undefined ? undefined : { arn: policy.Arn!, document: await policyDocument(iam, policy) },
    issues: [],
    ready: false,
  };
  state.issues = judge(state);
  state.ready =
    state.issues.length === 0 &&
    state.profile?.roles.length === 1 &&
    state.policy !== undefined &&
    state.role?.attached.some((attached) => attached.PolicyArn === state.policy?.arn) === true;
  return state;
}

/**
 * Makes sure the dedicated AMI build instance profile exists with exactly the SSM agent policy
 * and returns its name: reuses it when it is exactly so, creates what is missing (tagged), and
 * refuses — a ValidationError (exit 2) naming every extra power, before creating anything — a
 * profile, role or policy of those names that can do more (other policies, inline policies, a
 * different trust or policy document) or that carries an ExperimentID tag. Never borrows another
 * profile.
 */
export async function ensureBuildInstanceProfile(options: BuildProfileOptions): Promise<BuildProfileResult> {
  const events = createEmitter({
    source: '@lab/ami-builder',
    sink: options.events,
    clock: options.clock ?? systemClock,
  });
  const { iam } = options;
  const state = await inspectBuildInstanceProfile(iam);
  if (state.issues.length > 0) {
    throw new ValidationError(
      `The AMI build instance profile ${BUILD_PROFILE.instanceProfile} exists but is not what lab-ami makes: it could do more than the build needs`,
      state.issues,
      {
        hint: `Remove what is listed (or delete the profile, role ${BUILD_PROFILE.role} and policy ${BUILD_PROFILE.policy}: lab-ami creates them again), or pass --instance-profile with a profile of your choice.`,
      },
    );
  }
  if (state.ready) {
    events.emit('build-profile.reused', `Using instance profile ${BUILD_PROFILE.instanceProfile}`, {
      instanceProfile: BUILD_PROFILE.instanceProfile,
    });
    return { instanceProfile: BUILD_PROFILE.instanceProfile, created: [] };
  }

  const created: BuildProfileResult['created'] = [];
  const tags = (name: string) => toAwsTags({ ...BUILD_PROFILE_TAGS, Name: name });
  const call = <T>(what: string, operation: () => Promise<T>) =>
    retry(operation).catch((error: unknown) => {
      throw withContext(error, what, {
        hint: 'Creating the build profile needs iam:CreatePolicy, CreateRole, AttachRolePolicy, CreateInstanceProfile, AddRoleToInstanceProfile and the Tag* actions; or pass --instance-profile.',
      });
    });

  let policyArn = state.policy?.arn;
  if (policyArn === undefined) {
    const answer = await call(`Creating policy ${BUILD_PROFILE.policy}`, () =>
      iam.send(
        new CreatePolicyCommand({
          PolicyName: BUILD_PROFILE.policy,
          Path: BUILD_PROFILE.policyPath,
          Description: 'pulsar-aws-lab AMI builds: what the SSM agent needs, nothing else',
          PolicyDocument: JSON.stringify(ssmAgentPolicyDocument()),
          Tags: tags(BUILD_PROFILE.policy),
        }),
      ),
    );
    policyArn = answer.Policy?.Arn;
    if (policyArn === undefined) throw new ValidationError('CreatePolicy returned no ARN', []);
    created.push('policy');
  }
  if (state.role === undefined) {
    await call(`Creating role ${BUILD_PROFILE.role}`, () =>
      iam.send(
        new CreateRoleCommand({
          RoleName: BUILD_PROFILE.role,
          Description: 'pulsar-aws-lab AMI build and validation instances: SSM agent only',
          AssumeRolePolicyDocument: JSON.stringify(EC2_TRUST_POLICY),
          Tags: tags(BUILD_PROFILE.role),
        }),
      ),
    );
    created.push('role');
  }
  if (!state.role?.attached.some((attached) => attached.PolicyArn === policyArn)) {
    await call(`Attaching ${BUILD_PROFILE.policy} to ${BUILD_PROFILE.role}`, () =>
      iam.send(new AttachRolePolicyCommand({ RoleName: BUILD_PROFILE.role, PolicyArn: policyArn })),
    );
    created.push('attachment');
  }
  if (state.profile === undefined) {
    await call(`Creating instance profile ${BUILD_PROFILE.instanceProfile}`, () =>
      iam.send(
        new CreateInstanceProfileCommand({
          InstanceProfileName: BUILD_PROFILE.instanceProfile,
          Tags: tags(BUILD_PROFILE.instanceProfile),
        }),
      ),
    );
    created.push('instance-profile');
  }
  if (!state.profile?.roles.includes(BUILD_PROFILE.role)) {
    await call(`Adding ${BUILD_PROFILE.role} to ${BUILD_PROFILE.instanceProfile}`, () =>
      iam.send(
        new AddRoleToInstanceProfileCommand({
          InstanceProfileName: BUILD_PROFILE.instanceProfile,
          RoleName: BUILD_PROFILE.role,
        }),
      ),
    );
    created.push('role-in-profile');
  }
  events.emit(
    'build-profile.created',
    `Created ${created.join(', ')} for instance profile ${BUILD_PROFILE.instanceProfile} (SSM agent policy only)`,
    { instanceProfile: BUILD_PROFILE.instanceProfile, created },
  );
  return { instanceProfile: BUILD_PROFILE.instanceProfile, created };
}

function judge(state: BuildProfileState): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const experimentTag = (what: string, tags: Record<string, string>) => {
    const id = tags[TAG_KEYS.experimentId];
    if (id !== undefined) {
      issues.push({
        path: what,
        message: `is tagged ${TAG_KEYS.experimentId}=${id}: that experiment's cleanup would delete it`,
        expected: `no ${TAG_KEYS.experimentId} tag`,
        received: id,
      });
    }
  };
  if (state.profile !== undefined) {
    const others = state.profile.roles.filter((name) => name !== BUILD_PROFILE.role);
    if (others.length > 0) {
      issues.push({
        path: `instance-profile ${BUILD_PROFILE.instanceProfile}`,
        message: 'holds another role',
        expected: BUILD_PROFILE.role,
        received: state.profile.roles.join(', '),
      });
    }
    experimentTag(`instance-profile ${BUILD_PROFILE.instanceProfile}`, state.profile.tags);
  }
  if (state.role !== undefined) {
    const where = `role ${BUILD_PROFILE.role}`;
    for (const attached of state.role.attached) {
      if (attached.PolicyArn !== state.policy?.arn) {
        issues.push({
          path: where,
          message: `has the extra policy ${attached.PolicyName ?? attached.PolicyArn} attached`,
          expected: `only ${BUILD_PROFILE.policy}`,
          received: attached.PolicyArn,
        });
      }
    }
    for (const inline of state.role.inline) {
      issues.push({
        path: where,
        message: `has the inline policy ${inline}`,
        expected: 'no inline policy',
        received: inline,
      });
    }
    if (!isEc2Trust(state.role.trust)) {
      issues.push({
        path: where,
        message: 'may be assumed by more than EC2',
        expected: 'ec2.amazonaws.com only',
        received: JSON.stringify(state.role.trust),
      });
    }
    experimentTag(where, state.role.tags);
  }
  if (state.policy !== undefined) {
    for (const difference of policyDifferences(state.policy.document)) {
      issues.push({
        path: `policy ${BUILD_PROFILE.policy}`,
        message: `grants ${difference}`,
        expected: 'exactly the SSM agent actions on *',
        received: difference,
      });
    }
  }
  return issues;
}

function isEc2Trust(document: unknown): boolean {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  const list = (Array.isArray(statements) ? statements : [statements]) as Array<Record<string, unknown>>;
  return (
    list.length > 0 &&
    list.every((statement) => {
      const service = (statement?.Principal as { Service?: unknown } | undefined)?.Service;
      const services = Array.isArray(service) ? service : [service];
      const principals = Object.keys((statement?.Principal as object | undefined) ?? {});
      return (
        statement?.Effect === 'Allow' &&
        principals.length === 1 &&
        services.length === 1 &&
        services[0] === 'ec2.amazonaws.com' &&
        statement.Condition === undefined &&
        [statement.Action].flat().every((action) => action === 'sts:AssumeRole')
      );
    })
  );
}

async function describeRole(iam: IAMClient, role: Role): Promise<NonNullable<BuildProfileState['role']>> {
  const attached: AttachedPolicy[] = [];
  const inline: string[] = [];
  let marker: string | undefined;
  do {
    const page = await retry(() =>
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.RoleName, Marker: marker })),
    ).catch((error: unknown) => {
      throw withContext(error, `Listing the policies of role ${role.RoleName}`);
    });
    attached.push(...(page.AttachedPolicies ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
  do {
    const page = await retry(() =>
      iam.send(new ListRolePoliciesCommand({ RoleName: role.RoleName, Marker: marker })),
    ).catch((error: unknown) => {
      throw withContext(error, `Listing the inline policies of role ${role.RoleName}`);
    });
    inline.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
  return {
    tags: tagMap(role.Tags),
    trust: parsePolicyDocument(role.AssumeRolePolicyDocument),
    attached,
    inline,
  };
}

async function profileTags(iam: IAMClient, profile: InstanceProfile): Promise<Record<string, string>> {
  if (profile.Tags !== undefined && profile.Tags.length > 0) return tagMap(profile.Tags);
  const answer = await retry(() =>
    iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: profile.InstanceProfileName })),
  ).catch((error: unknown) => {
    throw withContext(error, `Reading the tags of instance profile ${profile.InstanceProfileName}`);
  });
  return tagMap(answer.Tags);
}

async function findPolicy(iam: IAMClient): Promise<Policy | undefined> {
  let marker: string | undefined;
  do {
    const page = await retry(() =>
      iam.send(
        new ListPoliciesCommand({ Scope: 'Local', PathPrefix: BUILD_PROFILE.policyPath, Marker: marker }),
      ),
    ).catch((error: unknown) => {
      throw withContext(error, `Looking for policy ${BUILD_PROFILE.policy}`);
    });
    const found = (page.Policies ?? []).find((policy) => policy.PolicyName === BUILD_PROFILE.policy);
    if (found !== undefined) return found;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
  return undefined;
}

async function policyDocument(iam: IAMClient, policy: Policy): Promise<unknown> {
  const answer = await retry(() =>
    iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.Arn, VersionId: policy.DefaultVersionId })),
  ).catch((error: unknown) => {
    throw withContext(error, `Reading policy ${policy.PolicyName}`);
  });
  return parsePolicyDocument(answer.PolicyVersion?.Document);
}

async function getOrUndefined<T>(operation: () => Promise<T>, what: string): Promise<T | undefined> {
  return retry(operation).catch((error: unknown) => {
    if (awsErrorCode(error) === 'NoSuchEntity' || awsErrorCode(error) === 'NoSuchEntityException')
      return undefined;
    throw withContext(error, what);
  });
}

function tagMap(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined) {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}
