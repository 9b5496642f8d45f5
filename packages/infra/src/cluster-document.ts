import { isExperimentId } from '@lab/core';
import { z } from 'zod';
import { isReservedSetting, ROLES } from './layout.js';
import { parseWith } from './zod-issues.js';

// The JSON user-data writes to /etc/lab/cluster.json (built by terraform/modules/cluster-document)
// and lab-bootstrap reads. The bootstrap validates the same rules in jq.

const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;
const ip = z.string().regex(IPV4, 'must be an IPv4 address');

const volume = z.object({
  volume_id: z.string().regex(/^vol-[0-9a-f]{8,17}$/, 'must be an EBS volume id'),
  device_name: z.string().regex(/^\/dev\/[a-z0-9]+$/, 'must be a device name such as /dev/sdf'),
});

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
    /** Only on bookies: their journal and ledger volumes. */
    volumes: z.object({ journal: volume, ledgers: volume }).nullable(),
    jvm: z.object({ heap_mb: z.int().min(128), direct_memory_mb: z.int().min(0) }),
    quorum: z.object({
      ensemble_size: z.int().min(1),
      write_quorum: z.int().min(1),
      ack_quorum: z.int().min(1),
    }),
    /** Passthrough key=value settings for the role's main configuration file. */
    settings: z.record(z.string(), z.string()),
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
    if ((document.role === 'bookkeeper') !== (document.volumes !== null)) {
      ctx.issues.push({
        code: 'custom',
        input: document.volumes,
        path: ['volumes'],
        message: 'bookies, and only bookies, carry volumes',
      });
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
