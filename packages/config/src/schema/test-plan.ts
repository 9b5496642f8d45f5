import { z } from 'zod';
import { slug } from './common.js';

/** The payload files shipped in the OMB checkout (`/opt/omb/payload`), with their exact sizes. */
export const OMB_PAYLOAD_FILES = {
  'payload/payload-20b.data': 20,
  'payload/payload-100b.data': 100,
  'payload/payload-200b.data': 200,
  'payload/payload-400b.data': 400,
  'payload/payload-1Kb.data': 1024,
  'payload/payload-2Kb.data': 2048,
  'payload/payload-4Kb.data': 4096,
} as const;
export type OmbPayloadFile = keyof typeof OMB_PAYLOAD_FILES;

export const KEY_DISTRIBUTORS = ['NO_KEY', 'KEY_ROUND_ROBIN', 'RANDOM_NANO'] as const;
export const SUBSCRIPTION_TYPES = ['Failover', 'Shared', 'Exclusive', 'Key_Shared'] as const;
export const RUN_TYPES = ['fixed-rate', 'max-rate', 'ramp', 'latency', 'backlog'] as const;
export type RunType = (typeof RUN_TYPES)[number];

/** Pulsar's default `maxMessageSize` (5 MiB) less room for headers. */
export const MAX_MESSAGE_SIZE = 5 * 1024 * 1024 - 10 * 1024;

export const payloadSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file'),
    /** A file of the OMB checkout; its size must equal `messageSize` (OMB refuses otherwise). */
    file: z.enum(Object.keys(OMB_PAYLOAD_FILES) as [OmbPayloadFile, ...OmbPayloadFile[]]),
  }),
  z.strictObject({
    type: z.literal('random'),
    /** Share of random bytes per message; the rest are zeros (compressibility). */
    randomBytesRatio: z.number().min(0).max(1).default(0.5),
    poolSize: z.int().min(1).max(100_000).default(1000),
  }),
]);
export type Payload = z.infer<typeof payloadSchema>;

// One definition of the workload fields, used with defaults (the base workload) and without (overrides).
const workloadFields = {
  topics: z.int().min(1).max(10_000),
  partitionsPerTopic: z.int().min(1).max(10_000),
  messageSize: z.int().min(1).max(MAX_MESSAGE_SIZE),
  payload: payloadSchema,
  keyDistributor: z.enum(KEY_DISTRIBUTORS),
  subscriptionsPerTopic: z.int().min(0).max(1000),
  consumerPerSubscription: z.int().min(1).max(1000),
  producersPerTopic: z.int().min(1).max(1000),
  testDurationMinutes: z
    .int()
    .min(1)
    .max(24 * 60),
  warmupDurationMinutes: z.int().min(0).max(60),
};

export const workloadSchema = z.strictObject({
  topics: workloadFields.topics.default(1),
  partitionsPerTopic: workloadFields.partitionsPerTopic.default(16),
  messageSize: workloadFields.messageSize.default(1024),
  payload: payloadSchema.prefault({ type: 'random' }),
  keyDistributor: workloadFields.keyDistributor.default('NO_KEY'),
  subscriptionsPerTopic: workloadFields.subscriptionsPerTopic.default(1),
  consumerPerSubscription: workloadFields.consumerPerSubscription.default(1),
  producersPerTopic: workloadFields.producersPerTopic.default(1),
  testDurationMinutes: workloadFields.testDurationMinutes.default(5),
  warmupDurationMinutes: workloadFields.warmupDurationMinutes.default(1),
});
export type Workload = z.infer<typeof workloadSchema>;

export const workloadOverrideSchema = z.strictObject(workloadFields).partial();
export type WorkloadOverride = z.infer<typeof workloadOverrideSchema>;

/** Pulsar client, producer and consumer settings of the OMB driver (quorums come from the cluster). */
export const driverSchema = z
  .strictObject({
    namespacePrefix: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+$/, { message: 'tenant/namespace, e.g. benchmark/ns' })
      .default('benchmark/ns'),
    topicType: z.enum(['persistent', 'non-persistent']).default('persistent'),
    ioThreads: z.int().min(1).max(256).default(8),
    connectionsPerBroker: z.int().min(1).max(256).default(8),
    deduplicationEnabled: z.boolean().default(false),
    producer: z
      .strictObject({
        batchingEnabled: z.boolean().default(true),
        batchingMaxPublishDelayMs: z.int().min(0).max(10_000).default(1),
        batchingMaxBytes: z.int().min(1024).max(MAX_MESSAGE_SIZE).default(131_072),
        blockIfQueueFull: z.boolean().default(true),
        pendingQueueSize: z.int().min(0).default(0),
      })
      .prefault({}),
    consumer: z
      .strictObject({
        receiverQueueSize: z.int().min(1).default(10_000),
        subscriptionType: z.enum(SUBSCRIPTION_TYPES).default('Failover'),
      })
      .prefault({}),
  })
  .prefault({});
export type DriverSettings = z.infer<typeof driverSchema>;

/** Parameters a matrix may vary; each run of the product gets one value of each. */
export const matrixSchema = z
  .strictObject({
    topics: z.array(workloadFields.topics).min(1),
    partitionsPerTopic: z.array(workloadFields.partitionsPerTopic).min(1),
    messageSize: z.array(workloadFields.messageSize).min(1),
    producersPerTopic: z.array(workloadFields.producersPerTopic).min(1),
    subscriptionsPerTopic: z.array(workloadFields.subscriptionsPerTopic).min(1),
    consumerPerSubscription: z.array(workloadFields.consumerPerSubscription).min(1),
    keyDistributor: z.array(workloadFields.keyDistributor).min(1),
    producerRate: z.array(z.int().min(1)).min(1),
  })
  .partial();
export type Matrix = z.infer<typeof matrixSchema>;

/** How many times a run is measured (its spread is part of the result); at most 20. */
const MAX_REPEAT = 20;
const repeatField = z.int().min(1).max(MAX_REPEAT);

const runCommon = {
  /** File-name-safe; defaults to the type and its main parameter. */
  name: slug('run name').max(48).optional(),
  description: z.string().max(500).optional(),
  /** Repetitions of this run; overrides the plan's `repeat`. */
  repeat: repeatField.optional(),
  workload: workloadOverrideSchema.optional(),
  matrix: matrixSchema.optional(),
};

const rateOverMaxRate = z.int().min(1).max(10_000_000);

export const fixedRateRunSchema = z.strictObject({
  ...runCommon,
  type: z.literal('fixed-rate'),
  /** Aggregate messages per second over all producers; may instead come from `matrix.producerRate`. */
  producerRate: rateOverMaxRate.optional(),
});

export const maxRateRunSchema = z.strictObject({
  ...runCommon,
  type: z.literal('max-rate'),
});

export const plateauSchema = z
  .strictObject({
    /** A step falls short when achieved < target × (1 − allowedDeviation). */
    allowedDeviation: z.number().min(0).max(0.9).default(0.05),
    /** Stop after this many consecutive steps fall short. */
    consecutiveSteps: z.int().min(1).max(20).default(2),
  })
  .prefault({});
export type PlateauSettings = z.infer<typeof plateauSchema>;

export const rampRunSchema = z.strictObject({
  ...runCommon,
  type: z.literal('ramp'),
  startRate: rateOverMaxRate,
  stepRate: rateOverMaxRate,
  steps: z.int().min(2).max(100),
  /** Measured minutes per step (each step is its own OMB workload with its own warm-up). */
  stepDurationMinutes: z.int().min(1).max(120).default(2),
  plateau: plateauSchema,
});

export const latencyRunSchema = z.strictObject({
  ...runCommon,
  type: z.literal('latency'),
  /** Low enough that queues stay empty: latency without saturation. */
  producerRate: rateOverMaxRate.default(1000),
});

export const backlogRunSchema = z.strictObject({
  ...runCommon,
  type: z.literal('backlog'),
  producerRate: z.int().min(1, {
    message:
      'a backlog run needs a fixed producerRate > 0: OMB cannot search for the max rate while building a backlog',
  }),
  /** Backlog to build with consumers paused, in GiB per subscription set (OMB: whole GB). */
  consumerBacklogSizeGB: z.int().min(1).max(10_000),
  /** Share of the backlog that must drain before the run may finish (OMB `backlogDrainRatio`). */
  backlogDrainRatio: z.number().min(0).max(1).default(1),
});

export const runSchema = z.discriminatedUnion('type', [
  fixedRateRunSchema,
  maxRateRunSchema,
  rampRunSchema,
  latencyRunSchema,
  backlogRunSchema,
]);
export type Run = z.infer<typeof runSchema>;
export type RunInput = z.input<typeof runSchema>;

function effectiveWorkload(base: Workload, override: WorkloadOverride | undefined): Workload {
  return { ...base, ...(override ?? {}) };
}

export const testPlanSchema = z
  .strictObject({
    name: slug('name').max(48),
    description: z.string().max(2000).optional(),
    /** What every run starts from; runs override single fields. */
    workload: workloadSchema.prefault({}),
    driver: driverSchema,
    /** Added to a run's expected duration to get its timeout (topic creation, result upload, slack). */
    timeoutMarginMinutes: z
      .int()
      .min(1)
      .max(24 * 60)
      .default(10),
    /**
     * Repetitions of every run (a run's own `repeat` wins); interleaved so drift favours no run.
     * Absent means 1; no schema default, so a plan without it resolves exactly as before.
     */
    repeat: repeatField.optional(),
    runs: z.array(runSchema).min(1).max(200),
  })
  .superRefine((plan, ctx) => {
    const seen = new Map<string, number>();
    plan.runs.forEach((run, index) => {
      if (run.name !== undefined) {
        const first = seen.get(run.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['runs', index, 'name'],
            message: `duplicate run name (also runs.${first}.name)`,
            params: { expected: 'a unique name', received: run.name },
          });
        } else seen.set(run.name, index);
      }
      if (
        run.type === 'fixed-rate' &&
        run.producerRate === undefined &&
        run.matrix?.producerRate === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['runs', index, 'producerRate'],
          message: 'a fixed-rate run needs a producerRate (or matrix.producerRate)',
          params: { expected: 'messages per second > 0', received: 'nothing' },
        });
      }
      checkWorkload(effectiveWorkload(plan.workload, run.workload), run, index, ctx);
      if (run.matrix !== undefined) {
        if ((run.type === 'max-rate' || run.type === 'ramp') && run.matrix.producerRate !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['runs', index, 'matrix', 'producerRate'],
            message: `a ${run.type} run sets its rates itself; producerRate cannot vary in its matrix`,
          });
        }
        const combinations = Object.values(run.matrix).reduce(
          (product, values) => product * values.length,
          1,
        );
        if (combinations > 200) {
          ctx.addIssue({
            code: 'custom',
            path: ['runs', index, 'matrix'],
            message: 'the matrix expands to too many runs',
            params: { expected: 'at most 200 combinations', received: String(combinations) },
          });
        }
      }
    });
  });

function checkWorkload(workload: Workload, run: Run, index: number, ctx: z.RefinementCtx): void {
  const where = (field: keyof Workload): (string | number)[] =>
    run.workload?.[field] !== undefined ? ['runs', index, 'workload', field] : ['workload', field];
  const duration = run.type === 'ramp' ? run.stepDurationMinutes : workload.testDurationMinutes;
  if (workload.warmupDurationMinutes >= duration) {
    ctx.addIssue({
      code: 'custom',
      path: where('warmupDurationMinutes'),
      message: `the warm-up must be shorter than the ${run.type === 'ramp' ? 'ramp step' : 'test'} (runs.${index})`,
      params: { expected: `less than ${duration} minutes`, received: String(workload.warmupDurationMinutes) },
    });
  }
  const sizes = run.matrix?.messageSize ?? [workload.messageSize];
  if (workload.payload.type === 'file') {
    const fileSize = OMB_PAYLOAD_FILES[workload.payload.file];
    for (const size of sizes) {
      if (size !== fileSize) {
        ctx.addIssue({
          code: 'custom',
          path:
            run.matrix?.messageSize !== undefined
              ? ['runs', index, 'matrix', 'messageSize']
              : where('messageSize'),
          message: `${workload.payload.file} is ${fileSize} bytes and OMB requires messageSize to match it (runs.${index}); use payload type random for other sizes`,
          params: { expected: String(fileSize), received: String(size) },
        });
      }
    }
  }
}

export type TestPlan = z.infer<typeof testPlanSchema>;
export type TestPlanInput = z.input<typeof testPlanSchema>;
