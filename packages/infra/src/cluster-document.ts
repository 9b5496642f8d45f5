import { isExperimentId } from '@lab/core';
import { z } from 'zod';
import { isReservedSetting, ROLES, type Role } from './layout.js';
import type { TerraformVariables } from './variables.js';
import { parseWith } from './zod-issues.js';

// The JSON user-data writes to /etc/lab/cluster.json (built by terraform/modules/cluster-document)
// and lab-bootstrap reads. The bootstrap validates the same rules in jq.

const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;
const ip = z.string().regex(IPV4, 'must be an IPv4 address');

const volume = z.object({
  volume_id: z.string().regex(/^vol-[0-9a-f]{8,17}$/, 'must be an EBS volume id'),
  device_name: z.string().regex(/^\/dev\/[a-z0-9]+$/, 'must be a device name such as /dev/sdf'),
});
const port = z.int().min(1).max(65_535);

export const clusterDocumentSchema = z
  .object({
    schema_version: z.literal(1),
    experiment_id: z.string().refine(isExperimentId, 'must be an experiment id'),
    cluster_name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/),
    role: z.enum(ROLES),
    index: z.int().min(0),
    private_ip: ip,
    members: z.object({
      zookeeper: z.array(ip).min(1),
      bookkeeper: z.array(ip).min(1),
      broker: z.array(ip).min(1),
      client: z.array(ip),
    }),
    /**
     * Only on bookies: their journal and ledger volumes. A bookie without (the local target)
     * keeps journal and ledgers in directories of its root file system.
     */
    volumes: z.object({ journal: volume, ledgers: volume }).nullable(),
    jvm: z.object({ heap_mb: z.int().min(128), direct_memory_mb: z.int().min(0) }),
    quorum: z.object({
      ensemble_size: z.int().min(1),
      write_quorum: z.int().min(1),
      ack_quorum: z.int().min(1),
    }),
    /** Passthrough key=value settings for the role's main configuration file. */
    settings: z.record(z.string(), z.string()),
    /**
     * The OMB worker ports of each client, in members.client order. Absent: 8080 and 8081 on
     * every client (an instance each). Workers bind every address, so clients that share a
     * machine need ports of their own.
     */
    omb_workers: z.array(z.object({ port, stats_port: port })).optional(),
  })
  .check((ctx) => {
    const document = ctx.value;
    const members = document.members[document.role];
    if (members[document.index] !== document.private_ip) {
      ctx.issues.push({
        code: 'custom',
        input: document.private_ip,
        path: ['private_ip'],
        message: `is not members.${document.role}[${document.index}]`,
      });
    }
    const { ensemble_size, write_quorum, ack_quorum } = document.quorum;
    if (
      ensemble_size > document.members.bookkeeper.length ||
      write_quorum > ensemble_size ||
      ack_quorum > write_quorum
    ) {
      ctx.issues.push({
        code: 'custom',
        input: document.quorum,
        path: ['quorum'],
        message: 'must satisfy ack_quorum <= write_quorum <= ensemble_size <= number of bookies',
      });
    }
    if (document.role !== 'bookkeeper' && document.volumes !== null) {
      ctx.issues.push({
        code: 'custom',
        input: document.volumes,
        path: ['volumes'],
        message: 'only bookies carry volumes',
      });
    }
    const workers = document.omb_workers;
    if (workers !== undefined) {
      if (workers.length !== document.members.client.length) {
        ctx.issues.push({
          code: 'custom',
          input: workers,
          path: ['omb_workers'],
          message: `must list one entry per client (${document.members.client.length})`,
        });
      }
      for (const [index, entry] of workers.entries()) {
        if (entry.port === entry.stats_port) {
          ctx.issues.push({
            code: 'custom',
            input: entry,
            path: ['omb_workers', index],
            message: 'port and stats_port must differ',
          });
        }
      }
    }
    if (document.role !== 'client') {
      for (const key of Object.keys(document.settings)) {
        if (isReservedSetting(document.role, key)) {
          ctx.issues.push({
            code: 'custom',
            input: key,
            path: ['settings', key],
            message: 'is set by the bootstrap and cannot be passed through',
          });
        }
      }
    }
  });

export type ClusterDocument = z.infer<typeof clusterDocumentSchema>;

/** Validates a cluster document (e.g. one read back from an instance or rendered by Terraform). */
export function parseClusterDocument(input: unknown, options: { file?: string } = {}): ClusterDocument {
  return parseWith(clusterDocumentSchema, input, 'cluster document', {
    ...options,
    hint: 'The document is built by terraform/modules/cluster-document; check the Terraform variables',
  });
}

/** What the cluster's documents are built from besides the `pulsar` Terraform variables. */
export interface ClusterDocumentsInput {
  experimentId: string;
  /** `terraform.tfvars.json`'s `pulsar` block: the one mapping from the configuration. */
  pulsar: TerraformVariables['pulsar'];
  /** Addresses per role, in index order. */
  members: Record<Role, readonly string[]>;
  /** Per bookie index; absent: bookies keep journal and ledgers on their root file system. */
  bookieVolumes?: ReadonlyArray<NonNullable<ClusterDocument['volumes']>>;
  ombWorkers?: ReadonlyArray<{ port: number; stats_port: number }>;
}

/**
 * Every node's cluster document, built the way terraform/modules/cluster (and its
 * cluster-document module) builds them for EC2 — the test suite renders both and compares —
 * so that a node on this machine boots from exactly what an instance would receive.
 */
export function clusterDocuments(input: ClusterDocumentsInput): ClusterDocument[] {
  const { pulsar } = input;
  const members = {
    zookeeper: [...input.members.zookeeper],
    bookkeeper: [...input.members.bookkeeper],
    broker: [...input.members.broker],
    client: [...input.members.client],
  };
  const settings: Record<Role, Record<string, string>> = {
    zookeeper: { ...pulsar.zookeeper_settings },
    bookkeeper: { ...pulsar.bookkeeper_settings },
    broker: { ...pulsar.broker_settings },
    client: {},
  };
  return ROLES.flatMap((role) =>
    members[role].map((privateIp, index) =>
      parseClusterDocument({
        schema_version: 1,
        experiment_id: input.experimentId,
        cluster_name: pulsar.cluster_name,
        role,
        index,
        private_ip: privateIp,
        members,
        volumes: role === 'bookkeeper' ? (input.bookieVolumes?.[index] ?? null) : null,
        jvm: { ...pulsar.jvm[role] },
        quorum: {
          ensemble_size: pulsar.ensemble_size,
          write_quorum: pulsar.write_quorum,
          ack_quorum: pulsar.ack_quorum,
        },
        settings: settings[role],
        ...(input.ombWorkers === undefined
          ? {}
          : { omb_workers: input.ombWorkers.map((entry) => ({ ...entry })) }),
      }),
    ),
  );
}
