import {
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetInstanceProfileCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListInstanceProfilesForRoleCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import type { DeleteContext } from '../../execute.js';
import type { AwsContext } from '../context.js';
import { each, forEachListed } from './common.js';

const iamOf = (context: AwsContext) => context.clientsFor(context.homeRegion).iam;

/** One IAM call through the context (retries, counting), aborted with the run. */
const iamCall = <T>(
  context: AwsContext,
  run: DeleteContext,
  operation: string,
  send: (iam: IAMClient, abortSignal: AbortSignal | undefined) => Promise<T>,
): Promise<T> =>
  context.call(operation, (abortSignal) => send(iamOf(context), abortSignal), run.signal, {
    // DeleteConflict right after a profile's role or a role's policy was removed.
    dependent: operation.startsWith('Delete'),
  });

/** IAM pages: `Marker` in, `Marker` out while `IsTruncated`. */
const page = <Item>(answer: { IsTruncated?: boolean; Marker?: string }, items: Item[] | undefined) => ({
  items,
  next: answer.IsTruncated ? answer.Marker : undefined,
});

export const deleteInstanceProfiles = each(async (context, resource, run) => {
  const InstanceProfileName = resource.id;
  // The roles as they are now: an earlier round may have removed some already.
  await forEachListed(
    async () => {
      const current = await iamCall(context, run, 'GetInstanceProfile', (iam, abortSignal) =>
        iam.send(new GetInstanceProfileCommand({ InstanceProfileName }), { abortSignal }),
      );
      return { items: current.InstanceProfile?.Roles, next: undefined };
    },
    (role) =>
      iamCall(context, run, 'RemoveRoleFromInstanceProfile', (iam, abortSignal) =>
        iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName, RoleName: role.RoleName }), {
          abortSignal,
        }),
      ),
  );
  return iamCall(context, run, 'DeleteInstanceProfile', (iam, abortSignal) =>
    iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName }), { abortSignal }),
  );
});

export const deleteRoles = each(async (context, resource, run) => {
  const RoleName = resource.id;
  await forEachListed(
    async (Marker) => {
      const answer = await iamCall(context, run, 'ListInstanceProfilesForRole', (iam, abortSignal) =>
        iam.send(new ListInstanceProfilesForRoleCommand({ RoleName, Marker }), { abortSignal }),
      );
      return page(answer, answer.InstanceProfiles);
    },
    (profile) =>
      iamCall(context, run, 'RemoveRoleFromInstanceProfile', (iam, abortSignal) =>
        iam.send(
          new RemoveRoleFromInstanceProfileCommand({
            InstanceProfileName: profile.InstanceProfileName,
            RoleName,
          }),
          { abortSignal },
        ),
      ),
  );
  await forEachListed(
    async (Marker) => {
      const answer = await iamCall(context, run, 'ListAttachedRolePolicies', (iam, abortSignal) =>
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker }), { abortSignal }),
      );
      return page(answer, answer.AttachedPolicies);
    },
    (policy) =>
      iamCall(context, run, 'DetachRolePolicy', (iam, abortSignal) =>
        iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: policy.PolicyArn }), { abortSignal }),
      ),
  );
  await forEachListed(
    async (Marker) => {
      const answer = await iamCall(context, run, 'ListRolePolicies', (iam, abortSignal) =>
        iam.send(new ListRolePoliciesCommand({ RoleName, Marker }), { abortSignal }),
      );
      return page(answer, answer.PolicyNames);
    },
    (PolicyName) =>
      iamCall(context, run, 'DeleteRolePolicy', (iam, abortSignal) =>
        iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }), { abortSignal }),
      ),
  );
  return iamCall(context, run, 'DeleteRole', (iam, abortSignal) =>
    iam.send(new DeleteRoleCommand({ RoleName }), { abortSignal }),
  );
});

export const deletePolicies = each(async (context, resource, run) => {
  const PolicyArn = resource.id;
  const entities = await iamCall(context, run, 'ListEntitiesForPolicy', (iam, abortSignal) =>
    iam.send(new ListEntitiesForPolicyCommand({ PolicyArn }), { abortSignal }),
  );
  const once =
    <Item>(items: Item[] | undefined) =>
    async () => ({ items, next: undefined });
  await forEachListed(once(entities.PolicyRoles), (role) =>
    iamCall(context, run, 'DetachRolePolicy', (iam, abortSignal) =>
      iam.send(new DetachRolePolicyCommand({ PolicyArn, RoleName: role.RoleName }), { abortSignal }),
    ),
  );
  await forEachListed(once(entities.PolicyUsers), (user) =>
    iamCall(context, run, 'DetachUserPolicy', (iam, abortSignal) =>
      iam.send(new DetachUserPolicyCommand({ PolicyArn, UserName: user.UserName }), { abortSignal }),
    ),
  );
  await forEachListed(once(entities.PolicyGroups), (group) =>
    iamCall(context, run, 'DetachGroupPolicy', (iam, abortSignal) =>
      iam.send(new DetachGroupPolicyCommand({ PolicyArn, GroupName: group.GroupName }), { abortSignal }),
    ),
  );
  // A policy with other versions than the default cannot be deleted.
  await forEachListed(
    async () => {
      const answer = await iamCall(context, run, 'ListPolicyVersions', (iam, abortSignal) =>
        iam.send(new ListPolicyVersionsCommand({ PolicyArn }), { abortSignal }),
      );
      return { items: (answer.Versions ?? []).filter((v) => v.IsDefaultVersion !== true), next: undefined };
    },
    (version) =>
      iamCall(context, run, 'DeletePolicyVersion', (iam, abortSignal) =>
        iam.send(new DeletePolicyVersionCommand({ PolicyArn, VersionId: version.VersionId }), {
          abortSignal,
        }),
      ),
  );
  return iamCall(context, run, 'DeletePolicy', (iam, abortSignal) =>
    iam.send(new DeletePolicyCommand({ PolicyArn }), { abortSignal }),
  );
});
