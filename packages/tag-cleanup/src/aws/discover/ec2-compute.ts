import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplatesCommand,
  DescribePlacementGroupsCommand,
  DescribeSpotInstanceRequestsCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import { fromAwsTags } from '@lab/core';
import type { ResourceType } from '../../model.js';
import { date, describe, describeAll, type Lister, tagFilters } from './common.js';

/** Only what AWS still holds: gone states are left out, in-progress deletions are `deleting`. */
export const COMPUTE_LISTERS: Partial<Record<ResourceType, Lister>> = {
  'spot-request': async (context, region, selector, signal) => {
    const requests = await describeAll(
      context,
      region,
      signal,
      'DescribeSpotInstanceRequests',
      (ec2, NextToken, abortSignal) =>
        ec2.send(
          new DescribeSpotInstanceRequestsCommand({
            Filters: [...tagFilters(selector), { Name: 'state', Values: ['open', 'active'] }],
            NextToken,
          }),
          { abortSignal },
        ),
      (page) => page.SpotInstanceRequests,
    );
    return requests.map((request) =>
      describe('spot-request', request.SpotInstanceRequestId!, region, fromAwsTags(request.Tags), {
        createdAt: date(request.CreateTime),
      }),
    );
  },
  instance: async (context, region, selector, signal) => {
    const reservations = await describeAll(
      context,
      region,
      signal,
      'DescribeInstances',
      (ec2, NextToken, abortSignal) =>
        ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              ...tagFilters(selector),
              {
                Name: 'instance-state-name',
                Values: ['pending', 'running', 'shutting-down', 'stopping', 'stopped'],
              },
            ],
            NextToken,
          }),
          { abortSignal },
        ),
      (page) => page.Reservations,
    );
    return reservations
      .flatMap((reservation) => reservation.Instances ?? [])
      .filter((instance) => instance.State?.Name !== 'terminated')
      .map((instance) =>
        describe('instance', instance.InstanceId!, region, fromAwsTags(instance.Tags), {
          vpcId: instance.VpcId,
          createdAt: date(instance.LaunchTime),
          state: instance.State?.Name === 'shutting-down' ? 'deleting' : 'present',
        }),
      );
  },
  volume: async (context, region, selector, signal) => {
    const volumes = await describeAll(
      context,
      region,
      signal,
      'DescribeVolumes',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeVolumesCommand({ Filters: tagFilters(selector), NextToken }), { abortSignal }),
      (page) => page.Volumes,
    );
    return volumes
      .filter((volume) => volume.State !== 'deleted')
      .map((volume) =>
        describe('volume', volume.VolumeId!, region, fromAwsTags(volume.Tags), {
          createdAt: date(volume.CreateTime),
          state: volume.State === 'deleting' ? 'deleting' : 'present',
          details: { attachedTo: (volume.Attachments ?? []).map((attachment) => attachment.InstanceId) },
        }),
      );
  },
  'key-pair': async (context, region, selector, signal) => {
    const pairs = await describeAll(
      context,
      region,
      signal,
      'DescribeKeyPairs',
      (ec2, _token, abortSignal) =>
        ec2.send(new DescribeKeyPairsCommand({ Filters: tagFilters(selector) }), { abortSignal }),
      (page) => page.KeyPairs,
    );
    return pairs.map((pair) =>
      describe('key-pair', pair.KeyPairId!, region, fromAwsTags(pair.Tags), {
        name: pair.KeyName,
        createdAt: date(pair.CreateTime),
        details: { keyName: pair.KeyName },
      }),
    );
  },
  'placement-group': async (context, region, selector, signal) => {
    const groups = await describeAll(
      context,
      region,
      signal,
      'DescribePlacementGroups',
      (ec2, _token, abortSignal) =>
        ec2.send(new DescribePlacementGroupsCommand({ Filters: tagFilters(selector) }), { abortSignal }),
      (page) => page.PlacementGroups,
    );
    return groups
      .filter((group) => group.State !== 'deleted')
      .map((group) =>
        describe('placement-group', group.GroupName!, region, fromAwsTags(group.Tags), {
          state: group.State === 'deleting' ? 'deleting' : 'present',
        }),
      );
  },
  'launch-template': async (context, region, selector, signal) => {
    const templates = await describeAll(
      context,
      region,
      signal,
      'DescribeLaunchTemplates',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeLaunchTemplatesCommand({ Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.LaunchTemplates,
    );
    return templates.map((template) =>
      describe('launch-template', template.LaunchTemplateId!, region, fromAwsTags(template.Tags), {
        name: template.LaunchTemplateName,
        createdAt: date(template.CreateTime),
      }),
    );
  },
};
