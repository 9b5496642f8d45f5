import { isReservedSetting } from '@lab/infra';
import { z } from 'zod';
import { slug } from './common.js';

const settingValue = z.union([z.string(), z.number(), z.boolean()]);

// The bootstrap sets some keys itself (see RESERVED_SETTINGS); a pass-through map may not
// set them again, or one value would have two sources.
const settingsSchema = (role: 'broker' | 'bookkeeper') =>
  z
    .record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, { message: 'a configuration key such as numIOThreads' }),
      settingValue,
    )
    .superRefine((settings, ctx) => {
      for (const key of Object.keys(settings)) {
        if (isReservedSetting(role, key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `${key} is set by the lab (from the infrastructure${key.startsWith('managedLedger') ? ' and managedLedger' : ''}); remove it here`,
          });
        }
      }
    });

const memory = {
  heapMb: z.int().min(128).max(262_144),
  directMemoryMb: z.int().min(0).max(262_144),
};

export const managedLedgerSchema = z
  .strictObject({
    ensembleSize: z.int().min(1),
    writeQuorum: z.int().min(1),
    ackQuorum: z.int().min(1),
  })
  .superRefine((quorum, ctx) => {
    if (quorum.writeQuorum > quorum.ensembleSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['writeQuorum'],
        message: 'the write quorum cannot be larger than the ensemble',
        params: {
          expected: `at most ensembleSize (${quorum.ensembleSize})`,
          received: String(quorum.writeQuorum),
        },
      });
    }
    if (quorum.ackQuorum > quorum.writeQuorum) {
      ctx.addIssue({
        code: 'custom',
        path: ['ackQuorum'],
        message: 'the ack quorum cannot be larger than the write quorum',
        params: {
          expected: `at most writeQuorum (${quorum.writeQuorum})`,
          received: String(quorum.ackQuorum),
        },
      });
    }
  });

/**
 * The Pulsar cluster settings. Every field is required here: the shipped
 * `configs/cluster/default.yaml` is the first layer and states each one (the schema invents no
 * value), and a user's file only overrides what it names.
 */
export const clusterSchema = z.strictObject({
  /** The Pulsar cluster name (`clusterName`, `initialize-cluster-metadata --cluster`). */
  clusterName: slug('clusterName').max(40),
  zookeeper: z.strictObject({ ...memory }),
  bookkeeper: z.strictObject({ ...memory, settings: settingsSchema('bookkeeper') }),
  broker: z.strictObject({ ...memory, settings: settingsSchema('broker') }),
  /** The OMB worker JVM on the client instances. */
  client: z.strictObject({ ...memory }),
  managedLedger: managedLedgerSchema,
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type ClusterConfigInput = z.input<typeof clusterSchema>;
export type ManagedLedgerQuorum = z.infer<typeof managedLedgerSchema>;
