import { tagIssues } from '@lab/core';
import { AWS_REGION_PATTERN } from '@lab/core/aws';
import { adminCidrProblem } from '@lab/infra';
import { z } from 'zod';
import { slug } from './common.js';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; undefined when it is not a valid IPv4 CIDR block. */
export function parseCidr(text: string): { octets: number[]; prefix: number } | undefined {
  const match = CIDR.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  return { octets, prefix };
}

const cidr = (what: string) =>
  z.string().refine((text) => parseCidr(text) !== undefined, {
    message: `${what} must be an IPv4 CIDR block such as 10.0.0.0/16`,
  });

// EC2 instance types: family, optional generation/attributes, a dot, a size (t3.small, i4i.2xlarge, m5n.metal).
const instanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/, { message: 'an EC2 instance type such as m5.large' });

/** gp3 limits as the EC2 API documents them (CreateVolume). */
export const GP3_LIMITS = {
  minSizeGb: 1,
  maxSizeGb: 65_536,
  minIops: 3000,
  maxIops: 80_000,
  maxIopsPerGb: 500,
  minThroughputMBps: 125,
  maxThroughputMBps: 2000,
  maxThroughputPerIops: 0.25,
} as const;

export const gp3VolumeSchema = z
  .strictObject({
    sizeGb: z.int().min(GP3_LIMITS.minSizeGb).max(GP3_LIMITS.maxSizeGb),
    iops: z.int().min(GP3_LIMITS.minIops).max(GP3_LIMITS.maxIops),
    throughputMBps: z.int().min(GP3_LIMITS.minThroughputMBps).max(GP3_LIMITS.maxThroughputMBps),
  })
  .superRefine((volume, ctx) => {
    // Below the 3000 IOPS baseline the per-GiB rule does not apply: every gp3 volume gets 3000.
    if (volume.iops > GP3_LIMITS.minIops && volume.iops > volume.sizeGb * GP3_LIMITS.maxIopsPerGb) {
      ctx.addIssue({
        code: 'custom',
        path: ['iops'],
        message: `gp3 allows at most ${GP3_LIMITS.maxIopsPerGb} IOPS per GiB`,
        params: {
          expected: `at most ${Math.max(GP3_LIMITS.minIops, volume.sizeGb * GP3_LIMITS.maxIopsPerGb)} for ${volume.sizeGb} GiB`,
          received: String(volume.iops),
        },
      });
    }
    const maxThroughput = Math.floor(volume.iops * GP3_LIMITS.maxThroughputPerIops);
    if (volume.throughputMBps > GP3_LIMITS.minThroughputMBps && volume.throughputMBps > maxThroughput) {
      ctx.addIssue({
        code: 'custom',
        path: ['throughputMBps'],
        message: `gp3 allows at most ${GP3_LIMITS.maxThroughputPerIops} MiB/s per provisioned IOPS`,
        params: {
          expected: `at most ${maxThroughput} for ${volume.iops} IOPS`,
          received: String(volume.throughputMBps),
        },
      });
    }
  });
export type Gp3Volume = z.infer<typeof gp3VolumeSchema>;

const roleShape = {
  count: z.int().min(1).max(100),
  instanceType,
  // The AMI's root snapshot (Amazon Linux + Java + Pulsar + OMB) needs room; smaller fails at launch.
  rootVolumeGb: z.int().min(16).max(1024),
};

const roleSchema = z.strictObject(roleShape);

export const bookkeeperRoleSchema = z.strictObject({
  ...roleShape,
  journal: gp3VolumeSchema,
  ledgers: gp3VolumeSchema,
});

export const networkSchema = z.strictObject({
  vpcCidr: cidr('vpcCidr').refine(
    (text) => {
      const prefix = parseCidr(text)?.prefix ?? 0;
      return prefix >= 16 && prefix <= 24;
    },
    {
      message: 'the VPC block must be between /16 and /24 (AWS allows no larger, smaller leaves no room)',
    },
  ),
  availabilityZones: z.int().min(1).max(3),
  /**
   * Addresses allowed to reach the cluster's service ports from outside: IPv4, each at most /16
   * wide. Empty: no inbound access at all; everything goes through SSM.
   */
  adminCidrs: z
    .array(
      z.string().superRefine((text, ctx) => {
        const problem = adminCidrProblem(text);
        if (problem !== undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `adminCidrs entry ${problem.message}`,
            params: { expected: problem.expected, received: text },
          });
        }
      }),
    )
    .max(20),
  /**
   * true: public subnets, instances get a public IPv4 address (outbound only). false: private
   * subnets reaching SSM through interface VPC endpoints, no public address at all.
   */
  publicIps: z.boolean(),
});

/**
 * The infrastructure of an experiment. Every field but `description` and `amiId` is required
 * here: the shipped `configs/infrastructure/default.yaml` is the first layer and states each one
 * (the schema invents no value), and a user's file only overrides what it names.
 */
export const infrastructureSchema = z
  .strictObject({
    /** A label for the experiment, used in names and the `Name` tag; the experiment id is generated. */
    name: slug('name').max(40),
    description: z.string().max(500).optional(),
    /** The user's own tags, added to every resource next to the lab's four. */
    tags: z.record(z.string(), z.string()).superRefine((tags, ctx) => {
      for (const issue of tagIssues(tags)) {
        const key = issue.path.startsWith('tags.') ? issue.path.slice('tags.'.length) : undefined;
        ctx.addIssue({
          code: 'custom',
          path: key === undefined ? [] : [key],
          message: issue.message,
          params: { expected: issue.expected ?? 'a tag AWS accepts', received: issue.received ?? key },
        });
      }
    }),
    region: z.string().regex(AWS_REGION_PATTERN, { message: 'an AWS region such as us-east-1' }),
    /** Spot instances: cheaper, but AWS may reclaim one mid-benchmark. */
    spot: z.boolean(),
    network: networkSchema,
    pulsarVersion: z.string().regex(/^\d+\.\d+\.\d+$/, { message: 'a Pulsar release such as 4.0.4' }),
    /** Use this AMI instead of the newest lab AMI for `pulsarVersion`. */
    amiId: z
      .string()
      .regex(/^ami-[0-9a-f]{8,17}$/, { message: 'an AMI id such as ami-0123456789abcdef0' })
      .optional(),
    roles: z.strictObject({
      zookeeper: roleSchema,
      bookkeeper: bookkeeperRoleSchema,
      broker: roleSchema,
      client: roleSchema,
    }),
  })
  .superRefine((config, ctx) => {
    const zookeepers = config.roles.zookeeper.count;
    if (zookeepers % 2 === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['roles', 'zookeeper', 'count'],
        message: 'ZooKeeper needs an odd number of servers for a majority quorum',
        params: { expected: 'an odd number (1, 3, 5)', received: String(zookeepers) },
      });
    }
  });

export type InfrastructureConfig = z.infer<typeof infrastructureSchema>;
export type InfrastructureConfigInput = z.input<typeof infrastructureSchema>;
