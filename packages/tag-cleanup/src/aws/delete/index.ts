import type { Deleter } from '../../execute.js';
import type { ResourceType } from '../../model.js';
import type { AwsContext } from '../context.js';
import type { TypeDeleter } from './common.js';
import {
  cancelSpotRequests,
  deleteKeyPairs,
  deleteLaunchTemplates,
  deletePlacementGroups,
  deleteSnapshots,
  deleteVolumes,
  deregisterImages,
  terminateInstances,
} from './ec2-compute.js';
import {
  deleteInternetGateways,
  deleteNatGateways,
  deleteNetworkInterfaces,
  deleteRouteTables,
  deleteSecurityGroups,
  deleteSubnets,
  deleteVpcEndpoints,
  deleteVpcs,
  releaseAddresses,
} from './ec2-network.js';
import { deleteInstanceProfiles, deletePolicies, deleteRoles } from './iam.js';
import { deleteBuckets } from './s3.js';

const TYPE_DELETERS: Record<ResourceType, TypeDeleter> = {
  'spot-request': cancelSpotRequests,
  instance: terminateInstances,
  'nat-gateway': deleteNatGateways,
  'vpc-endpoint': deleteVpcEndpoints,
  volume: deleteVolumes,
  'elastic-ip': releaseAddresses,
  'network-interface': deleteNetworkInterfaces,
  'security-group': deleteSecurityGroups,
  'route-table': deleteRouteTables,
  subnet: deleteSubnets,
  'internet-gateway': deleteInternetGateways,
  vpc: deleteVpcs,
  'key-pair': deleteKeyPairs,
  'placement-group': deletePlacementGroups,
  'launch-template': deleteLaunchTemplates,
  image: deregisterImages,
  snapshot: deleteSnapshots,
  'instance-profile': deleteInstanceProfiles,
  role: deleteRoles,
  policy: deletePolicies,
  bucket: deleteBuckets,
};

/** The executor's view of AWS: one type in one region per call, dispatched to the type's deleter. */
export function createAwsDeleter(context: AwsContext): Deleter {
  return {
    deleteBatch: async (resources, run) => {
      if (resources.length === 0) return [];
      return TYPE_DELETERS[resources[0]!.type](context, resources, run);
    },
  };
}
