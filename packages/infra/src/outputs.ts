import { LabError, ValidationError } from '@lab/core';
import { z } from 'zod';
import { ROLES, type Role } from './layout.js';
import { parseWith } from './zod-issues.js';

// `terraform output -json` prints { name: { sensitive, type, value } } for every root output.
const output = <T extends z.ZodType>(value: T) =>
  z.object({ value, sensitive: z.boolean().optional(), type: z.unknown().optional() });

const roleOutput = z
  .object({ instance_ids: z.array(z.string()), private_ips: z.array(z.string()) })
  .refine((role) => role.instance_ids.length === role.private_ips.length, {
    message: 'instance_ids and private_ips must have the same length',
  });

const volumeOutput = z.object({ volume_id: z.string(), device_name: z.string() });

const perRole = <T extends z.ZodType>(schema: T) =>
  z.object({ zookeeper: schema, bookkeeper: schema, broker: schema, client: schema });

/** The root outputs the orchestrator reads; each one exists in terraform/outputs.tf. */
export const terraformOutputsSchema = z.object({
  experiment_id: output(z.string()),
  region: output(z.string()),
  vpc_id: output(z.string()),
  subnet_ids: output(z.array(z.string())),
  security_group_ids: output(perRole(z.string())),
  instance_profile_name: output(z.string()),
  roles: output(perRole(roleOutput)),
  bookkeeper_volumes: output(z.array(z.object({ journal: volumeOutput, ledgers: volumeOutput }))),
  cluster: output(
    z.object({
      name: z.string(),
      service_url: z.string(),
      web_service_url: z.string(),
      metadata_store_url: z.string(),
    }),
  ),
});

/** The names of the Terraform outputs `parseTerraformOutputs` reads. */
export const TERRAFORM_OUTPUT_NAMES = Object.keys(terraformOutputsSchema.shape) as ReadonlyArray<
  keyof z.infer<typeof terraformOutputsSchema>
>;

export interface RoleInstances {
  /** Instance ids in index order (index i is `<role>-<i>`). */
  instanceIds: string[];
  /** Private IPs, same order as instanceIds. */
  privateIps: string[];
}

export interface LabInstance {
  role: Role;
  index: number;
  instanceId: string;
  privateIp: string;
}

export interface BookieVolume {
  volumeId: string;
  deviceName: string;
}

/** What the orchestrator needs from an applied experiment, in one stable shape. */
export interface TerraformOutputs {
  experimentId: string;
  region: string;
  vpcId: string;
  subnetIds: string[];
  securityGroupIds: Record<Role, string>;
  instanceProfileName: string;
  /** Every role is present; a role without instances has empty lists. */
  roles: Record<Role, RoleInstances>;
  /** Every instance, roles in ROLES order then by index. */
  instances: LabInstance[];
  bookkeeperVolumes: Array<{ journal: BookieVolume; ledgers: BookieVolume }>;
  cluster: { name: string; serviceUrl: string; webServiceUrl: string; metadataStoreUrl: string };
}

/**
 * Parses `terraform output -json` (the text or the parsed object). An empty object — Terraform's
 * answer before any apply — is refused with a hint rather than read as an empty cluster.
 */
export function parseTerraformOutputs(json: unknown, options: { file?: string } = {}): TerraformOutputs {
  let input = json;
  if (typeof json === 'string') {
    try {
      input = JSON.parse(json);
    } catch (error) {
      throw new LabError('TERRAFORM_OUTPUT_UNREADABLE', 'terraform output -json did not print JSON', {
        cause: error,
        hint: 'Run `terraform output -json` in the experiment directory and check its output',
        details: { start: json.slice(0, 200) },
      });
    }
  }
  if (typeof input === 'object' && input !== null && Object.keys(input).length === 0) {
    throw new ValidationError('Terraform has no outputs yet', [{ path: '', message: 'no outputs' }], {
      hint: 'The experiment has not been applied (or its state is missing): run terraform apply first',
    });
  }
  const raw = parseWith(terraformOutputsSchema, input, 'Terraform outputs', {
    ...options,
    hint: 'The state may come from another version of terraform/: re-run terraform apply',
  });
  const roles = Object.fromEntries(
    ROLES.map((role) => [
      role,
      {
        instanceIds: [...raw.roles.value[role].instance_ids],
        privateIps: [...raw.roles.value[role].private_ips],
      },
    ]),
  ) as Record<Role, RoleInstances>;
  const instances = ROLES.flatMap((role) =>
    roles[role].instanceIds.map((instanceId, index) => ({
      role,
      index,
      instanceId,
      privateIp: roles[role].privateIps[index]!,
    })),
  );
  const volume = (entry: { volume_id: string; device_name: string }): BookieVolume => ({
    volumeId: entry.volume_id,
    deviceName: entry.device_name,
  });
  return {
    experimentId: raw.experiment_id.value,
    region: raw.region.value,
    vpcId: raw.vpc_id.value,
    subnetIds: [...raw.subnet_ids.value],
    securityGroupIds: { ...raw.security_group_ids.value },
    instanceProfileName: raw.instance_profile_name.value,
    roles,
    instances,
    bookkeeperVolumes: raw.bookkeeper_volumes.value.map((entry) => ({
      journal: volume(entry.journal),
      ledgers: volume(entry.ledgers),
    })),
    cluster: {
      name: raw.cluster.value.name,
      serviceUrl: raw.cluster.value.service_url,
      webServiceUrl: raw.cluster.value.web_service_url,
      metadataStoreUrl: raw.cluster.value.metadata_store_url,
    },
  };
}
