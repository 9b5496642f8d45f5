import { isExperimentId, LIFECYCLE_TAG_KEYS, TAG_KEYS, tagIssues } from '@lab/core';
import { AWS_REGION_PATTERN } from '@lab/core/aws';
import { z } from 'zod';
import { adminCidrProblem } from './admin-cidrs.js';
import { isReservedSetting, type RESERVED_SETTINGS } from './layout.js';
import { parseWith } from './zod-issues.js';

// Mirrors terraform/variables.tf: same names, same limits, same defaults. The static tests
// check that every key here is a declared Terraform variable.

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(3[0-2]|[12]?\d)$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
// An availability zone is its region's name and one letter: us-iso-east-1a.
const AVAILABILITY_ZONE = new RegExp(`${AWS_REGION_PATTERN.source.replace(/\$$/, '')}[a-z]$`);
const SETTING_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Tag keys Terraform sets on every resource; user tags may not redefine them. */
export const LAB_OWNED_TAG_KEYS: readonly string[] = [
  ...Object.values(TAG_KEYS),
  ...Object.values(LIFECYCLE_TAG_KEYS),
  'Name',
];
/** AWS allows 50 tags per resource; the lab sets up to 7 (its 4, CreatedAt, ExpiresAt, Name). */
export const MAX_USER_TAGS = 43;

const gp3Volume = z
  .strictObject({
    size_gb: z.int().min(1).max(16_384),
    iops: z.int().min(3000).max(16_000).default(3000),
    throughput_mbps: z.int().min(125).max(1000).default(125),
  })
  .check((ctx) => {
    const volume = ctx.value;
    if (volume.iops > 500 * volume.size_gb) {
      ctx.issues.push({
        code: 'custom',
        input: volume.iops,
        path: ['iops'],
        message: `gp3 allows at most 500 IOPS per GiB (${500 * volume.size_gb} for ${volume.size_gb} GiB)`,
      });
    }
    if (volume.throughput_mbps > volume.iops / 4) {
      ctx.issues.push({
        code: 'custom',
        input: volume.throughput_mbps,
        path: ['throughput_mbps'],
        message: `gp3 allows at most IOPS/4 MiB/s of throughput (${volume.iops / 4} at ${volume.iops} IOPS)`,
      });
    }
  });

const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an EC2 instance type such as m6i.large');
const rootVolumeGb = z.int().min(8).max(16_384).default(30);
const memberCount = z.int().min(1).max(40);

const rolesSchema = z.strictObject({
  zookeeper: z.strictObject({
    count: z
      .int()
      .min(1)
      .max(7)
      .refine((count) => count % 2 === 1, 'a ZooKeeper ensemble needs an odd number of servers'),
    instance_type: instanceType,
    root_volume_gb: rootVolumeGb,
  }),
  bookkeeper: z.strictObject({
    count: memberCount,
    instance_type: instanceType,
    root_volume_gb: rootVolumeGb,
    journal_volume: gp3Volume,
    ledger_volume: gp3Volume,
  }),
  broker: z.strictObject({ count: memberCount, instance_type: instanceType, root_volume_gb: rootVolumeGb }),
  client: z.strictObject({ count: memberCount, instance_type: instanceType, root_volume_gb: rootVolumeGb }),
});

const jvm = (heapMb: number, directMemoryMb: number) =>
  z
    .strictObject({
      heap_mb: z.int().min(128).default(heapMb),
      direct_memory_mb: z.int().min(0).default(directMemoryMb),
    })
    .prefault({});

const settings = (role: keyof typeof RESERVED_SETTINGS) =>
  z
    .record(
      z
        .string()
        .regex(SETTING_KEY, 'must be a property name')
        .refine((key) => !isReservedSetting(role, key), {
          message: `is set by the bootstrap for ${role} and cannot be passed through`,
        }),
      z.string().regex(/^[^\r\n\t]*$/, 'must be a single line'),
    )
    .default({});

const pulsarSchema = z
  .strictObject({
    cluster_name: z
      .string()
      .regex(
        /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/,
        'must start with a letter and hold at most 64 letters, digits, _ and -',
      )
      .default('pulsar-lab'),
    ensemble_size: z.int().min(1).default(3),
    write_quorum: z.int().min(1).default(3),
    ack_quorum: z.int().min(1).default(2),
    jvm: z
      .strictObject({
        zookeeper: jvm(1024, 0),
        bookkeeper: jvm(2048, 2048),
        broker: jvm(2048, 4096),
        client: jvm(2048, 0),
      })
      .prefault({}),
    zookeeper_settings: settings('zookeeper'),
    bookkeeper_settings: settings('bookkeeper'),
    broker_settings: settings('broker'),
  })
  .prefault({});

/** The zod schema of `terraform.tfvars.json`: the inputs of `terraform/`, exactly. */
export const terraformVariablesSchema = z
  .strictObject({
    experiment_id: z.string().refine(isExperimentId, {
      message: 'must be an experiment id: 1-64 lowercase letters, digits and hyphens, not "latest"',
    }),
    region: z.string().regex(AWS_REGION_PATTERN, 'must be an AWS region such as eu-west-1'),
    ami_id: z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'must be an AMI id such as ami-0123456789abcdef0'),
    tags: z.record(z.string(), z.string()).default({}),
    managed_by: z.string().min(1).default('terraform'),
    created_at: z
      .string()
      .regex(RFC3339_UTC, 'must be an RFC 3339 UTC timestamp such as 2026-11-27T03:12:00Z')
      .refine((value) => !Number.isNaN(Date.parse(value)), 'is not a real date'),
    ttl_hours: z.int().min(1).max(720).default(24),
    network: z
      .strictObject({
        vpc_cidr: z
          .string()
          .regex(IPV4_CIDR, 'must be an IPv4 CIDR')
          .refine((cidr) => {
            const prefix = Number(cidr.split('/')[1]);
            return prefix >= 16 && prefix <= 22;
          }, 'needs a prefix from /16 to /22 (subnets are /24)')
          .default('10.42.0.0/16'),
        availability_zones: z
          .array(z.string().regex(AVAILABILITY_ZONE, 'must be an availability zone such as eu-west-1a'))
          .max(4)
          .default([]),
        az_count: z.int().min(1).max(4).default(1),
        /** false: private subnets, SSM interface endpoints and an S3 gateway endpoint, no public IP. */
        public_ips: z.boolean().default(true),
      })
      .prefault({}),
    roles: rolesSchema,
    spot: z
      .strictObject({
        enabled: z.boolean().default(false),
        max_price: z
          .string()
          .regex(/^\d+(\.\d+)?$/, 'must be a price in USD per hour such as "0.12"')
          .nullable()
          .default(null),
      })
      .prefault({}),
    admin_cidrs: z
      .array(
        z.string().check((ctx) => {
          const problem = adminCidrProblem(ctx.value);
          if (problem !== undefined) {
            ctx.issues.push({
              code: 'custom',
              input: ctx.value,
              message: `${problem.message} (expected ${problem.expected})`,
            });
          }
        }),
      )
      .default([]),
    pulsar: pulsarSchema,
  })
  .check((ctx) => {
    const variables = ctx.value;
    const { ensemble_size, write_quorum, ack_quorum } = variables.pulsar;
    const bookies = variables.roles.bookkeeper.count;
    if (ensemble_size > bookies) {
      ctx.issues.push({
        code: 'custom',
        input: ensemble_size,
        path: ['pulsar', 'ensemble_size'],
        message: `is larger than the number of bookies (roles.bookkeeper.count = ${bookies})`,
      });
    }
    if (write_quorum > ensemble_size) {
      ctx.issues.push({
        code: 'custom',
        input: write_quorum,
        path: ['pulsar', 'write_quorum'],
        message: `is larger than ensemble_size (${ensemble_size})`,
      });
    }
    if (ack_quorum > write_quorum) {
      ctx.issues.push({
        code: 'custom',
        input: ack_quorum,
        path: ['pulsar', 'ack_quorum'],
        message: `is larger than write_quorum (${write_quorum})`,
      });
    }
    const owned = new Set(LAB_OWNED_TAG_KEYS.map((key) => key.toLowerCase()));
    for (const key of Object.keys(variables.tags)) {
      if (owned.has(key.toLowerCase())) {
        ctx.issues.push({
          code: 'custom',
          input: key,
          path: ['tags', key],
          message: 'this tag key is set by the lab and cannot be overridden',
        });
      }
    }
    if (Object.keys(variables.tags).length > MAX_USER_TAGS) {
      ctx.issues.push({
        code: 'custom',
        input: Object.keys(variables.tags).length,
        path: ['tags'],
        message: `at most ${MAX_USER_TAGS} user tags (AWS allows 50 per resource and the lab sets 7)`,
      });
    }
    for (const issue of tagIssues(variables.tags)) {
      ctx.issues.push({
        code: 'custom',
        input: issue.received,
        path: issue.path.split('.').filter((part) => part !== ''),
        message: issue.message,
      });
    }
  });

/** What `terraform.tfvars.json` holds after parsing: every default filled in. */
export type TerraformVariables = z.output<typeof terraformVariablesSchema>;
/** What a caller may pass: fields with a default may be left out. */
export type TerraformVariablesInput = z.input<typeof terraformVariablesSchema>;

/** Every variable the orchestrator writes; each one is declared in terraform/variables.tf. */
export const TERRAFORM_VARIABLE_NAMES = Object.keys(terraformVariablesSchema.shape) as ReadonlyArray<
  keyof TerraformVariables
>;

/**
 * Validates Terraform variables and fills in defaults; throws a ValidationError listing every
 * problem (path, expected, received) before anything reaches Terraform.
 */
export function parseTerraformVariables(input: unknown, options: { file?: string } = {}): TerraformVariables {
  return parseWith(terraformVariablesSchema, input, 'Terraform variables', {
    ...options,
    hint: 'Fix the listed fields; see terraform/README.md for every variable',
  });
}

/** The `terraform.tfvars.json` text for `variables` (validated, defaults filled in, stable order). */
export function formatTerraformVariables(variables: TerraformVariablesInput): string {
  return `${JSON.stringify(parseTerraformVariables(variables), null, 2)}\n`;
}

/** The ExpiresAt tag value Terraform derives: created_at + ttl_hours, RFC 3339 UTC. */
export function expiresAt(variables: Pick<TerraformVariables, 'created_at' | 'ttl_hours'>): string {
  const time = Date.parse(variables.created_at) + variables.ttl_hours * 3_600_000;
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
