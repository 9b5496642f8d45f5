import type { TagMap } from '@lab/core';

/** Every kind of resource cleanup knows how to find and delete, in a stable display order. */
export const RESOURCE_TYPES = [
  'spot-request',
  'instance',
  'nat-gateway',
  'vpc-endpoint',
  'volume',
  'elastic-ip',
  'network-interface',
  'security-group',
  'route-table',
  'subnet',
  'internet-gateway',
  'vpc',
  'key-pair',
  'placement-group',
  'launch-template',
  'image',
  'snapshot',
  'instance-profile',
  'role',
  'policy',
  'bucket',
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The region of account-wide resources (IAM). */
export const GLOBAL_REGION = 'global';

/**
 * Which resource types must be gone before a type can be deleted (AWS's rules, see the field
 * notes). Only types that really block are listed, so independent branches run in parallel:
 * the planner turns this into levels by longest path.
 */
export const TYPE_DEPENDENCIES: Readonly<Record<ResourceType, readonly ResourceType[]>> = {
  // Cancel spot requests first, or they launch replacements for terminated instances.
  'spot-request': [],
  instance: ['spot-request'],
  'nat-gateway': [],
  'vpc-endpoint': [],
  // Extra volumes become `available` only once their instance is terminated.
  volume: ['instance'],
  // An address used by a NAT gateway is released when the gateway is gone.
  'elastic-ip': ['instance', 'nat-gateway'],
  'network-interface': ['instance', 'nat-gateway', 'vpc-endpoint'],
  'security-group': ['instance', 'network-interface', 'vpc-endpoint'],
  'route-table': ['instance', 'nat-gateway', 'vpc-endpoint'],
  subnet: ['instance', 'nat-gateway', 'vpc-endpoint', 'network-interface', 'route-table'],
  // Detaching fails while the VPC still has mapped public addresses.
  'internet-gateway': ['instance', 'nat-gateway', 'elastic-ip'],
  vpc: [
    'instance',
    'nat-gateway',
    'vpc-endpoint',
    'network-interface',
    'security-group',
    'route-table',
    'subnet',
    'internet-gateway',
  ],
  'key-pair': ['instance'],
  'placement-group': ['instance'],
  'launch-template': ['instance', 'spot-request'],
  image: ['instance'],
  // A snapshot backing a registered AMI cannot be deleted.
  snapshot: ['image'],
  'instance-profile': ['instance'],
  role: ['instance-profile'],
  policy: ['role'],
  bucket: [],
};

/**
 * The previous design's strictly sequential order (the field notes' list, one type at a time);
 * used by `ordering: 'linear'` and the benchmark's baseline.
 */
export const LINEAR_ORDER: readonly ResourceType[] = [
  'spot-request',
  'instance',
  'volume',
  'nat-gateway',
  'elastic-ip',
  'vpc-endpoint',
  'network-interface',
  'security-group',
  'route-table',
  'subnet',
  'internet-gateway',
  'vpc',
  'instance-profile',
  'role',
  'policy',
  'bucket',
  'key-pair',
  'placement-group',
  'launch-template',
  'image',
  'snapshot',
];

/** One resource found by discovery. */
export interface Resource {
  type: ResourceType;
  /** The id the delete API takes (name for IAM roles and buckets, ARN for policies). */
  id: string;
  /** AWS region, or `global` for IAM. */
  region: string;
  /** The `Name` tag or the resource's own name, for people. */
  name?: string;
  tags: TagMap;
  /** The VPC a VPC-scoped resource lives in: dependencies are only waited for within one VPC. */
  vpcId?: string;
  /** When AWS says it was created, when it says so. */
  createdAt?: Date;
  /** `deleting`: another run (or AWS) is already deleting it; it is waited for, not an error. */
  state: 'present' | 'deleting';
  /** Ids of other resources this one is bound to (an AMI's snapshots, a profile's roles …). */
  related?: readonly string[];
  /** Type-specific facts the deleter needs (attachments, associations); JSON-serialisable. */
  details?: Record<string, unknown>;
}

/** A stable key for a resource across discoveries. */
export const resourceKey = (resource: Pick<Resource, 'type' | 'region' | 'id'>): string =>
  `${resource.type}:${resource.region}:${resource.id}`;

/** A failure to list one resource type in one region. Discovery never hides these. */
export interface DiscoveryProblem {
  type: ResourceType;
  region: string;
  message: string;
  error?: unknown;
}

export interface DiscoveryResult {
  resources: Resource[];
  problems: DiscoveryProblem[];
}
