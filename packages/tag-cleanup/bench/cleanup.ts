// Wall time and API calls to delete experiments of ~10, ~100 and ~500 resources against moto,
// beside a sequential, one-resource-at-a-time baseline in the previous design's order.
// Usage: pnpm --filter @lab/tag-cleanup bench   (starts moto, or uses LAB_MOTO_ENDPOINT)
import { randomInt } from 'node:crypto';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { buildTopology, countResources, survivors, type TopologyOptions } from '@lab/test-support';
import { createAwsProvider } from '../src/aws/index.js';
import { cleanup } from '../src/index.js';

const endpoint = process.env.LAB_MOTO_ENDPOINT;
if (endpoint === undefined || endpoint === '') {
  console.error('LAB_MOTO_ENDPOINT is not set: run through `pnpm bench` (scripts/with-moto.sh starts moto)');
  process.exit(1);
}
const region = 'us-east-1';
// Moto answers in microseconds; AWS in tens of milliseconds. Each mode also runs with this much
// latency added to every call, so the figures show what round trips cost.
const LATENCIES_MS = [0, Number(process.env.BENCH_LATENCY_MS ?? 50)];

interface Stackable {
  // biome-ignore lint/suspicious/noExplicitAny: every SDK client's stack has its own command union
  middlewareStack: { add(middleware: any, options: { step: 'initialize'; name: string }): void };
}
function withLatency<T extends Stackable>(client: T, ms: number): T {
  if (ms > 0) {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return next(args);
      },
      { step: 'initialize', name: 'benchLatency' },
    );
  }
  return client;
}

async function freshAccount() {
  const root = { endpoint, region, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const assumed = await new STSClient(root).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/bench`, RoleSessionName: 'bench' }),
  );
  const c = assumed.Credentials!;
  const connection = {
    endpoint,
    region,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  };
  return {
    connection,
    clients: { ec2: new EC2Client(connection), iam: new IAMClient(connection), s3: new S3Client(connection) },
  };
}

const sizes: Array<[string, TopologyOptions]> = [
  [
    '~10',
    {
      instances: 1,
      subnets: 1,
      securityGroups: 1,
      networkInterfaces: 0,
      extras: false,
      ami: false,
      objects: 2,
    },
  ],
  ['~100', { instances: 40, subnets: 4, securityGroups: 4, networkInterfaces: 4, objects: 20 }],
  ['~500', { instances: 230, subnets: 8, securityGroups: 6, networkInterfaces: 10, objects: 100 }],
];

const modes = {
  'lab-cleanup': {},
  'sequential baseline': {
    planOptions: { ordering: 'linear' as const },
    parallel: false,
    maxBatch: 1,
    concurrency: 1,
  },
};

console.log(`moto at ${endpoint}; Node ${process.version}`);
console.log(
  ['resources', 'mode', 'latency', 'wall time', 'API calls', 'delete calls', 'rounds', 'left']
    .map((h, i) => (i < 2 ? h.padEnd(22) : h.padStart(14)))
    .join(''),
);
for (const latency of LATENCIES_MS)
  for (const [label, options] of sizes) {
    for (const [mode, settings] of Object.entries(modes)) {
      const { connection, clients } = await freshAccount();
      const experimentId = `bench-${randomInt(0, 999_999_999)}`;
      const topology = await buildTopology(clients, experimentId, options);
      const provider = createAwsProvider({
        homeRegion: region,
        clients: (r) => {
          const regional = { ...connection, region: r };
          return {
            ec2: withLatency(new EC2Client(regional), latency),
            iam: withLatency(new IAMClient(regional), latency),
            s3: withLatency(new S3Client(regional), latency),
          };
        },
        concurrency: 'concurrency' in settings ? settings.concurrency : 8,
      });
      const started = performance.now();
      const result = await cleanup({
        provider,
        selector: { kind: 'experiment', experimentId },
        regions: [region],
        execute: true,
        // The experiments include an AMI and its snapshots: they are the experiment's to delete.
        includeImages: true,
        excludeTypes: ['placement-group'],
        ...('planOptions' in settings
          ? { planOptions: settings.planOptions, parallel: settings.parallel, maxBatch: settings.maxBatch }
          : {}),
      });
      const seconds = (performance.now() - started) / 1000;
      const left = (await survivors(clients, topology)).length;
      const deleteCalls = Object.entries(provider.stats.byOperation)
        .filter(([operation]) => !/^(Describe|List|Get)/.test(operation))
        .reduce((sum, [, count]) => sum + count, 0);
      console.log(
        [
          `${label} (${countResources(topology)})`.padEnd(22),
          mode.padEnd(22),
          `${latency} ms`.padStart(14),
          `${seconds.toFixed(2)} s`.padStart(14),
          String(provider.stats.total).padStart(14),
          String(deleteCalls).padStart(14),
          String(result.execution?.rounds ?? 0).padStart(14),
          String(left).padStart(14),
        ].join(''),
      );
      if (!result.complete || left > 0) {
        console.error(
          `incomplete: ${JSON.stringify(result.remaining.map((entry) => [entry.resource.id, entry.message]))}`,
        );
        process.exitCode = 1;
      }
    }
  }
