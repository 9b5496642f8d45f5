import {
  GetInstanceProfileCommand,
  type IAMClient,
  type Tag as IamTag,
  ListInstanceProfilesCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
} from '@aws-sdk/client-iam';
import { fromAwsTags } from '@lab/core';
import { type DiscoveryProblem, GLOBAL_REGION, type Resource, type ResourceType } from '../../model.js';
import { matchesSelector, type Selector } from '../../select.js';
import { type AwsContext, allPages, isNotFound } from '../context.js';
import { date, describe } from './common.js';
import { failure } from './problems.js';

export const IAM_TYPES: readonly ResourceType[] = ['instance-profile', 'role', 'policy'];

type Page<Item> = { items: Item[] | undefined; next: string | undefined };

/** IAM pages: `Marker` in, `Marker` out while `IsTruncated`. */
const page = <Item>(answer: { IsTruncated?: boolean; Marker?: string }, items: Item[] | undefined) => ({
  items,
  next: answer.IsTruncated ? answer.Marker : undefined,
});

/**
 * IAM's list calls carry no tags and take no tag filter: every entity is listed, its tags read
 * with one call each (`concurrency` at a time), and only the selected ones are kept. An entity
 * deleted between the two calls (NotFound) is skipped.
 */
async function listTagged<Entity>(
  context: AwsContext,
  selector: Selector,
  list: (iam: IAMClient, marker: string | undefined) => Promise<Page<Entity>>,
  read: (iam: IAMClient, entity: Entity) => Promise<Resource | undefined>,
): Promise<Resource[]> {
  const { iam } = context.clientsFor(context.homeRegion);
  const entities = await allPages((marker) => list(iam, marker));
  const described = await context.map(entities, (entity) =>
    read(iam, entity).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    }),
  );
  return described.filter(
    (resource): resource is Resource => resource !== undefined && matchesSelector(resource.tags, selector),
  );
}

/** Every tag of one IAM entity, page by page. */
const allTags = (fetch: (marker: string | undefined) => Promise<Page<IamTag>>) => allPages<IamTag>(fetch);

export async function listIam(
  context: AwsContext,
  selector: Selector,
  types: readonly ResourceType[],
  signal?: AbortSignal,
): Promise<{ resources: Resource[]; problems: DiscoveryProblem[] }> {
  const resources: Resource[] = [];
  const problems: DiscoveryProblem[] = [];
  const attempt = async (type: ResourceType, work: () => Promise<Resource[]>) => {
    if (!types.includes(type)) return;
    try {
      resources.push(...(await work()));
    } catch (error) {
      if (signal?.aborted) throw error;
      problems.push(failure(type, GLOBAL_REGION, error));
    }
  };
  const call = <T>(operation: string, send: (abortSignal: AbortSignal | undefined) => Promise<T>) =>
    context.call(operation, send, signal);
  await Promise.all([
    attempt('role', () =>
      listTagged(
        context,
        selector,
        async (iam, Marker) => {
          const answer = await call('ListRoles', (abortSignal) =>
            iam.send(new ListRolesCommand({ Marker }), { abortSignal }),
          );
          // Service-linked roles belong to AWS services, never to an experiment.
          const roles = (answer.Roles ?? []).filter(
            (role) => !(role.Path ?? '/').startsWith('/aws-service-role/'),
          );
          return page(answer, roles);
        },
        async (iam, role) => {
          const tags = await allTags(async (Marker) => {
            const answer = await call('ListRoleTags', (abortSignal) =>
              iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName, Marker }), { abortSignal }),
            );
            return page(answer, answer.Tags);
          });
          return describe('role', role.RoleName!, GLOBAL_REGION, fromAwsTags(tags), {
            name: role.RoleName,
            createdAt: date(role.CreateDate),
          });
        },
      ),
    ),
    attempt('instance-profile', () =>
      listTagged(
        context,
        selector,
        async (iam, Marker) => {
          const answer = await call('ListInstanceProfiles', (abortSignal) =>
            iam.send(new ListInstanceProfilesCommand({ Marker }), { abortSignal }),
          );
          return page(answer, answer.InstanceProfiles);
        },
        async (iam, profile) => {
          // GetInstanceProfile returns the profile's tags (moto lacks ListInstanceProfileTags).
          const current = (
            await call('GetInstanceProfile', (abortSignal) =>
              iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile.InstanceProfileName }), {
                abortSignal,
              }),
            )
          ).InstanceProfile;
          if (current === undefined) return undefined;
          return describe(
            'instance-profile',
            current.InstanceProfileName!,
            GLOBAL_REGION,
            fromAwsTags(current.Tags),
            {
              name: current.InstanceProfileName,
              createdAt: date(current.CreateDate),
              related: (current.Roles ?? [])
                .map((role) => role.RoleName!)
                .filter((name) => name !== undefined),
            },
          );
        },
      ),
    ),
    attempt('policy', () =>
      listTagged(
        context,
        selector,
        async (iam, Marker) => {
          const answer = await call('ListPolicies', (abortSignal) =>
            iam.send(new ListPoliciesCommand({ Scope: 'Local', Marker }), { abortSignal }),
          );
          return page(answer, answer.Policies);
        },
        async (iam, policy) => {
          const tags = await allTags(async (Marker) => {
            const answer = await call('ListPolicyTags', (abortSignal) =>
              iam.send(new ListPolicyTagsCommand({ PolicyArn: policy.Arn, Marker }), { abortSignal }),
            );
            return page(answer, answer.Tags);
          });
          return describe('policy', policy.Arn!, GLOBAL_REGION, fromAwsTags(tags), {
            name: policy.PolicyName,
            createdAt: date(policy.CreateDate),
          });
        },
      ),
    ),
  ]);
  return { resources, problems };
}
