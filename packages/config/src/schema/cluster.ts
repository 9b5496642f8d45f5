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
    .default({})
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

const memory = (heapMb: number, directMemoryMb: number) => ({
  heapMb: z.int().min(128).max(262_144).default(heapMb),
  directMemoryMb: z.int().min(0).max(262_144).default(directMemoryMb),
});

export const managedLedgerSchema = z
  .strictObject({
    ensembleSize: z.int().min(1).default(3),
    writeQuorum: z.int().min(1).default(3),
    ackQuorum: z.int().min(1).default(2),
  })
  .prefault({})
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

export const clusterSchema = z.strictObject({
  /** The Pulsar cluster name (`clusterName`, `initialize-cluster-metadata --cluster`). */
  clusterName: slug('clusterName').max(40).default('lab'),
  zookeeper: z.strictObject({ ...memory(512, 0) }).prefault({}),
  bookkeeper: z.strictObject({ ...memory(1024, 1024), settings: settingsSchema('bookkeeper') }).prefault({}),
  broker: z.strictObject({ ...memory(1024, 1024), settings: settingsSchema('broker') }).prefault({}),
  /** The OMB worker JVM on the client instances. */
  client: z.strictObject({ ...memory(1024, 1024) }).prefault({}),
  managedLedger: managedLedgerSchema,
});

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type ClusterConfigInput = z.input<typeof clusterSchema>;
export type ManagedLedgerQuorum = z.infer<typeof managedLedgerSchema>;
