import type { EC2Client } from '@aws-sdk/client-ec2';
import { retry } from '@lab/backoff';
import { createEmitter, errorMessage, PROJECT, TAG_KEYS } from '@lab/core';
import type { CleanupByTags, RemainingResource } from './cleanup-port.js';
import type { AwsClientsFactory } from './deps.js';

/**
 * A verification-only `CleanupByTags`: lists the experiment's EC2 resources that outlive a
 * `terraform destroy` most often (instances, volumes, NAT gateways, Elastic IPs, VPCs) by tag
 * and reports them. It deletes nothing: when asked to, it says so in `notes`, and the caller
 * prints the `lab-cleanup … --execute` command. Use `@lab/tag-cleanup` for deletion.
 */
export function ec2TagVerifier(aws: AwsClientsFactory): CleanupByTags {
  return async (request) => {
    const events = createEmitter({ source: '@lab/orchestrator', sink: request.events, prefix: 'verify' });
    const remaining: RemainingResource[] = [];
    const problems: Array<{ region: string; type: string; message: string }> = [];
    const commands = await import('@aws-sdk/client-ec2');
    const filters = [
      { Name: `tag:${TAG_KEYS.project}`, Values: [PROJECT] },
      { Name: `tag:${TAG_KEYS.experimentId}`, Values: [request.experimentId] },
    ];
    for (const region of request.regions) {
      const ec2: EC2Client = await aws(region).ec2();
      const options = request.signal === undefined ? {} : { abortSignal: request.signal };
      const list = async (type: string, call: () => Promise<string[]>) => {
        try {
          const ids = await retry(call, request.signal === undefined ? {} : { signal: request.signal });
          remaining.push(...ids.map((id) => ({ region, type, id })));
        } catch (error) {
          problems.push({ region, type, message: errorMessage(error) });
        }
      };
      await list('instance', async () => {
        const ids: string[] = [];
        let token: string | undefined;
        do {
          const page = await ec2.send(
            new commands.DescribeInstancesCommand({
              Filters: [
                ...filters,
                { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] },
              ],
              ...(token === undefined ? {} : { NextToken: token }),
            }),
            options,
          );
          for (const reservation of page.Reservations ?? []) {
            for (const instance of reservation.Instances ?? []) {
              if (instance.InstanceId !== undefined) ids.push(instance.InstanceId);
            }
          }
          token = page.NextToken || undefined;
        } while (token !== undefined);
        return ids;
      });
      await list('volume', async () => {
        const page = await ec2.send(new commands.DescribeVolumesCommand({ Filters: filters }), options);
        return (page.Volumes ?? []).flatMap((volume) => (volume.VolumeId === undefined ? [] : [volume.VolumeId]));
      });
      await list('nat-gateway', async () => {
        const page = await ec2.send(
          new commands.DescribeNatGatewaysCommand({
            Filter: [...filters, { Name: 'state', Values: ['pending', 'available', 'deleting'] }],
          }),
          options,
        );
        return (page.NatGateways ?? []).flatMap((gateway) =>
          gateway.NatGatewayId === undefined ? [] : [gateway.NatGatewayId],
        );
      });
      await list('elastic-ip', async () => {
        const page = await ec2.send(new commands.DescribeAddressesCommand({ Filters: filters }), options);
        return (page.Addresses ?? []).flatMap((address) =>
          address.AllocationId === undefined ? [] : [address.AllocationId],
        );
      });
      await list('vpc', async () => {
        const page = await ec2.send(new commands.DescribeVpcsCommand({ Filters: filters }), options);
        return (page.Vpcs ?? []).flatMap((vpc) => (vpc.VpcId === undefined ? [] : [vpc.VpcId]));
      });
    }
    events.emit(
      'listed',
      remaining.length === 0
        ? `No resource of ${request.experimentId} found by tag in ${request.regions.join(', ')}`
        : `${remaining.length} resource(s) of ${request.experimentId} still exist: ${remaining
            .slice(0, 8)
            .map((resource) => `${resource.type} ${resource.id}`)
            .join(', ')}${remaining.length > 8 ? ', …' : ''}`,
      { remaining: remaining.length, problems: problems.length },
      remaining.length === 0 ? 'info' : 'warn',
    );
    return {
      remaining,
      problems,
      notes:
        request.execute && remaining.length > 0
          ? ['this build verifies by tag but does not delete; lab-cleanup deletes what is left']
          : [],
    };
  };
}
