import {
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { fromAwsTags } from '@lab/core';
import type { ResourceType } from '../../model.js';
import { date, describe, describeAll, type Lister, nameOf, tagFilters } from './common.js';

const referencing = (permissions: IpPermission[] | undefined) =>
  (permissions ?? []).filter((permission) => (permission.UserIdGroupPairs ?? []).length > 0);

/** Only what AWS still holds: gone states are left out, in-progress deletions are `deleting`. */
export const NETWORK_LISTERS: Partial<Record<ResourceType, Lister>> = {
  'nat-gateway': async (context, region, selector, signal) => {
    const gateways = await describeAll(
      context,
      region,
      signal,
      'DescribeNatGateways',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeNatGatewaysCommand({ Filter: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.NatGateways,
    );
    return gateways
      .filter((gateway) => gateway.State !== 'deleted')
      .map((gateway) =>
        describe('nat-gateway', gateway.NatGatewayId!, region, fromAwsTags(gateway.Tags), {
          vpcId: gateway.VpcId,
          createdAt: date(gateway.CreateTime),
          state: gateway.State === 'deleting' ? 'deleting' : 'present',
        }),
      );
  },
  'vpc-endpoint': async (context, region, selector, signal) => {
    const endpoints = await describeAll(
      context,
      region,
      signal,
      'DescribeVpcEndpoints',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeVpcEndpointsCommand({ Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.VpcEndpoints,
    );
    return endpoints
      .filter((endpoint) => endpoint.State?.toLowerCase() !== 'deleted')
      .map((endpoint) =>
        describe('vpc-endpoint', endpoint.VpcEndpointId!, region, fromAwsTags(endpoint.Tags), {
          vpcId: endpoint.VpcId,
          createdAt: date(endpoint.CreationTimestamp),
          state: endpoint.State?.toLowerCase() === 'deleting' ? 'deleting' : 'present',
        }),
      );
  },
  'elastic-ip': async (context, region, selector, signal) => {
    const addresses = await describeAll(
      context,
      region,
      signal,
      'DescribeAddresses',
      (ec2, _token, abortSignal) =>
        ec2.send(new DescribeAddressesCommand({ Filters: tagFilters(selector) }), { abortSignal }),
      (page) => page.Addresses,
    );
    return addresses
      .filter((address) => address.AllocationId !== undefined)
      .map((address) =>
        describe('elastic-ip', address.AllocationId!, region, fromAwsTags(address.Tags), {
          name: nameOf(fromAwsTags(address.Tags)) ?? address.PublicIp,
          details: { associationId: address.AssociationId },
        }),
      );
  },
  'network-interface': async (context, region, selector, signal) => {
    const interfaces = await describeAll(
      context,
      region,
      signal,
      'DescribeNetworkInterfaces',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeNetworkInterfacesCommand({ Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.NetworkInterfaces,
    );
    return interfaces.map((eni) =>
      describe('network-interface', eni.NetworkInterfaceId!, region, fromAwsTags(eni.TagSet), {
        vpcId: eni.VpcId,
        details: {
          attachmentId: eni.Attachment?.AttachmentId,
          attachedTo: eni.Attachment?.InstanceId,
          requesterManaged: eni.RequesterManaged === true,
        },
      }),
    );
  },
  'security-group': async (context, region, selector, signal) => {
    const groups = await describeAll(
      context,
      region,
      signal,
      'DescribeSecurityGroups',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeSecurityGroupsCommand({ Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.SecurityGroups,
    );
    return (
      groups
        // The default group of a VPC can't be deleted and is never the lab's to touch.
        .filter((group) => group.GroupName !== 'default')
        .map((group) =>
          describe('security-group', group.GroupId!, region, fromAwsTags(group.Tags), {
            name: nameOf(fromAwsTags(group.Tags)) ?? group.GroupName,
            vpcId: group.VpcId,
            details: {
              // Rules that reference other groups: found through their parent, revoked before deletion.
              ingress: referencing(group.IpPermissions),
              egress: referencing(group.IpPermissionsEgress),
            },
          }),
        )
    );
  },
  'route-table': async (context, region, selector, signal) => {
    const tables = await describeAll(
      context,
      region,
      signal,
      'DescribeRouteTables',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeRouteTablesCommand({ Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.RouteTables,
    );
    return (
      tables
        // A VPC's main route table goes with the VPC; it is never deleted on its own.
        .filter((table) => !(table.Associations ?? []).some((association) => association.Main === true))
        .map((table) =>
          describe('route-table', table.RouteTableId!, region, fromAwsTags(table.Tags), {
            vpcId: table.VpcId,
            details: {
              associations: (table.Associations ?? [])
                .map((association) => association.RouteTableAssociationId)
                .filter((id) => id !== undefined),
            },
          }),
        )
    );
  },
  subnet: async (context, region, selector, signal) => {
    const subnets = await describeAll(
      context,
      region,
      signal,
      'DescribeSubnets',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeSubnetsCommand({ Filters: tagFilters(selector), NextToken }), { abortSignal }),
      (page) => page.Subnets,
    );
    return subnets
      .filter((subnet) => subnet.DefaultForAz !== true)
      .map((subnet) =>
        describe('subnet', subnet.SubnetId!, region, fromAwsTags(subnet.Tags), { vpcId: subnet.VpcId }),
      );
  },
  'internet-gateway': async (context, region, selector, signal) => {
    const gateways = await describeAll(
      context,
      region,
      signal,
      'DescribeInternetGateways',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeInternetGatewaysCommand({ Filters: tagFilters(selector), NextToken }), {
          abortSignal,
        }),
      (page) => page.InternetGateways,
    );
    return gateways.map((gateway) => {
      const attachedTo = (gateway.Attachments ?? []).map((attachment) => attachment.VpcId).filter((id) => id);
      return describe('internet-gateway', gateway.InternetGatewayId!, region, fromAwsTags(gateway.Tags), {
        ...(attachedTo.length === 1 ? { vpcId: attachedTo[0]! } : {}),
        details: { attachedTo },
      });
    });
  },
  vpc: async (context, region, selector, signal) => {
    const vpcs = await describeAll(
      context,
      region,
      signal,
      'DescribeVpcs',
      (ec2, NextToken, abortSignal) =>
        ec2.send(new DescribeVpcsCommand({ Filters: tagFilters(selector), NextToken }), { abortSignal }),
      (page) => page.Vpcs,
    );
    return vpcs
      .filter((vpc) => vpc.IsDefault !== true)
      .map((vpc) => describe('vpc', vpc.VpcId!, region, fromAwsTags(vpc.Tags), { vpcId: vpc.VpcId }));
  },
};
