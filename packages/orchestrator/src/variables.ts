import type { ClusterConfig, InfrastructureConfig } from '@lab/config';
import { ValidationError, withContext } from '@lab/core';
import { parseTerraformVariables, type TerraformVariables, type TerraformVariablesInput } from '@lab/infra';

/** Stands for the AMI in a dry run, where no AWS call may resolve it. */
export const AMI_PLACEHOLDER = 'ami-00000000000000000';

export interface VariablesInput {
  experimentId: string;
  /** The resolved AMI, or AMI_PLACEHOLDER in a dry run. */
  amiId: string;
  /** When the experiment was created (ms); becomes `created_at` (the expiry tags count from it). */
  createdAtMs: number;
  infrastructure: InfrastructureConfig;
  cluster: ClusterConfig;
  /** Hours until the `ExpiresAt` tag says a sweep may delete the experiment. */
  ttlHours?: number;
}

/**
 * The Terraform variables of an experiment, derived from its resolved configuration and
 * validated against `@lab/infra`'s schema (the contract of `terraform/variables.tf`), so a
 * value Terraform would refuse fails here, before any AWS call.
 */
export function terraformVariablesFor(input: VariablesInput): TerraformVariables {
  const { infrastructure: infra, cluster } = input;
  const roles = infra.roles;
  const gp3 = (volume: { sizeGb: number; iops: number; throughputMBps: number }) => ({
    size_gb: volume.sizeGb,
    iops: volume.iops,
    throughput_mbps: volume.throughputMBps,
  });
  const variables: TerraformVariablesInput = {
    experiment_id: input.experimentId,
    region: infra.region,
    ami_id: infra.amiId ?? input.amiId,
    tags: { ...infra.tags },
    managed_by: 'terraform',
    created_at: new Date(input.createdAtMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ttl_hours: input.ttlHours ?? 24,
    network: {
      vpc_cidr: infra.network.vpcCidr,
      az_count: infra.network.availabilityZones,
      public_ips: infra.network.publicIps,
    },
    roles: {
      zookeeper: {
        count: roles.zookeeper.count,
        instance_type: roles.zookeeper.instanceType,
        root_volume_gb: roles.zookeeper.rootVolumeGb,
      },
      bookkeeper: {
        count: roles.bookkeeper.count,
        instance_type: roles.bookkeeper.instanceType,
        root_volume_gb: roles.bookkeeper.rootVolumeGb,
        journal_volume: gp3(roles.bookkeeper.journal),
        ledger_volume: gp3(roles.bookkeeper.ledgers),
      },
      broker: {
        count: roles.broker.count,
        instance_type: roles.broker.instanceType,
        root_volume_gb: roles.broker.rootVolumeGb,
      },
      client: {
        count: roles.client.count,
        instance_type: roles.client.instanceType,
        root_volume_gb: roles.client.rootVolumeGb,
      },
    },
    spot: { enabled: infra.spot },
    admin_cidrs: [...infra.network.adminCidrs],
    pulsar: pulsarVariablesFor(cluster),
  };
  try {
    return parseTerraformVariables(variables, { file: 'terraform.tfvars.json' });
  } catch (error) {
    const hint =
      'terraform/ is stricter than the configuration schema in places (e.g. the VPC block must be /16–/22); adjust the listed fields';
    if (error instanceof ValidationError) {
      throw new ValidationError(
        `The configuration cannot be expressed as Terraform variables: ${error.message}`,
        error.issues,
        { hint, cause: error },
      );
    }
    throw withContext(error, 'Deriving the Terraform variables', { hint });
  }
}

/**
 * The `pulsar` block of the Terraform variables: what every node's cluster document is built
 * from, on EC2 (terraform/modules/cluster-document) and on this machine (`clusterDocuments`).
 */
export function pulsarVariablesFor(cluster: ClusterConfig): TerraformVariables['pulsar'] {
  const settings = (values: Record<string, string | number | boolean>) =>
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));
  const jvm = (memory: { heapMb: number; directMemoryMb: number }) => ({
    heap_mb: memory.heapMb,
    direct_memory_mb: memory.directMemoryMb,
  });
  return {
    cluster_name: cluster.clusterName,
    ensemble_size: cluster.managedLedger.ensembleSize,
    write_quorum: cluster.managedLedger.writeQuorum,
    ack_quorum: cluster.managedLedger.ackQuorum,
    jvm: {
      zookeeper: jvm(cluster.zookeeper),
      bookkeeper: jvm(cluster.bookkeeper),
      broker: jvm(cluster.broker),
      client: jvm(cluster.client),
    },
    zookeeper_settings: {},
    bookkeeper_settings: settings(cluster.bookkeeper.settings),
    broker_settings: settings(cluster.broker.settings),
  };
}
