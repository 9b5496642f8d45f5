import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import type { TagMap } from '@lab/core';
import type { Resource, ResourceType } from '../../model.js';
import { type Selector, selectorTagFilters } from '../../select.js';
import { type AwsContext, allPages } from '../context.js';

export type AwsTags = Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined;

/** Lists the selected resources of one type in one region. */
export type Lister = (
  context: AwsContext,
  region: string,
  selector: Selector,
  signal?: AbortSignal,
) => Promise<Resource[]>;

export const nameOf = (tags: TagMap): string | undefined => tags.Name;

export const date = (value: Date | string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const parsed = value instanceof Date ? value : new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
};

/** Builds a descriptor; optional fields only when known. */
export function describe(
  type: ResourceType,
  id: string,
  region: string,
  tags: TagMap,
  extra: Partial<Omit<Resource, 'type' | 'id' | 'region' | 'tags'>> = {},
): Resource {
  const name = extra.name ?? nameOf(tags);
  return {
    type,
    id,
    region,
    tags,
    state: extra.state ?? 'present',
    ...(name === undefined ? {} : { name }),
    ...(extra.vpcId === undefined ? {} : { vpcId: extra.vpcId }),
    ...(extra.createdAt === undefined ? {} : { createdAt: extra.createdAt }),
    ...(extra.related === undefined ? {} : { related: extra.related }),
    ...(extra.details === undefined ? {} : { details: extra.details }),
  };
}

/** The selector as EC2 filters (`tag:Project`, `tag:ExperimentID`). */
export const tagFilters = (selector: Selector): Filter[] =>
  Object.entries(selectorTagFilters(selector)).map(([key, value]) => ({
    Name: `tag:${key}`,
    Values: [value],
  }));

/** Every page of one EC2 `Describe…` call in `region`, through the context (retries, counting). */
export function describeAll<Page extends object, Item>(
  context: AwsContext,
  region: string,
  signal: AbortSignal | undefined,
  operation: string,
  send: (ec2: EC2Client, token: string | undefined, abortSignal: AbortSignal | undefined) => Promise<Page>,
  items: (page: Page) => Item[] | undefined,
): Promise<Item[]> {
  const { ec2 } = context.clientsFor(region);
  return allPages(async (token) => {
    const page = await context.call(operation, (abortSignal) => send(ec2, token, abortSignal), signal);
    // Calls without pagination (DescribeAddresses, DescribeKeyPairs …) have no NextToken: one page.
    return { items: items(page), next: (page as { NextToken?: string | undefined }).NextToken };
  });
}
