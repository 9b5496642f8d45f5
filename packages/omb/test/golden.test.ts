import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText, type TestPlan } from '@lab/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expandTestPlan, ombWorkersYaml, ombWorkloadYaml, pulsarDriverYaml } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, 'fixtures', 'golden');
const plansDir = join(here, '..', '..', '..', 'configs', 'test-plans');
// UPDATE_GOLDEN=1 pnpm test rewrites the files; review the diff before committing it.
const update = process.env.UPDATE_GOLDEN === '1';

async function golden(name: string, actual: string): Promise<void> {
  const path = join(goldenDir, name);
  if (update) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, actual);
  }
  expect(actual).toBe(await readFile(path, 'utf8'));
}

// The keys OMB's Workload class reads (Jackson ignores any other key silently).
const OMB_WORKLOAD_KEYS = new Set([
  'name',
  'topics',
  'partitionsPerTopic',
  'keyDistributor',
  'messageSize',
  'useRandomizedPayloads',
  'randomBytesRatio',
  'randomizedPayloadPoolSize',
  'payloadFile',
  'subscriptionsPerTopic',
  'producersPerTopic',
  'consumerPerSubscription',
  'producerRate',
  'consumerBacklogSizeGB',
  'backlogDrainRatio',
  'testDurationMinutes',
  'warmupDurationMinutes',
]);

const plans = (await readdir(plansDir)).filter((name) => name.endsWith('.yaml')).sort();

describe('workload golden files for every shipped test plan', () => {
  it.each(plans)('%s', async (name) => {
    const plan: TestPlan = parseConfigText('testPlan', await readFile(join(plansDir, name), 'utf8'), {
      file: name,
    });
    const runs = expandTestPlan(plan);
    const stem = name.replace(/\.yaml$/, '');
    const index = runs.map(
      (run) =>
        `${run.id}  target=${run.targetRate ?? 'max'}  expected=${run.expectedDurationMinutes}m${run.durationIsEstimate ? '~' : ''}  timeout=${run.timeoutMinutes}m${run.ramp === undefined ? '' : `  ramp=${run.ramp.group}#${run.ramp.step + 1}/${run.ramp.steps}`}`,
    );
    await golden(`${stem}/runs.txt`, `${index.join('\n')}\n`);
    for (const run of runs) {
      const yaml = ombWorkloadYaml(run.workload);
      await golden(`${stem}/${run.id}.yaml`, yaml);
      const keys = Object.keys(parse(yaml) as Record<string, unknown>);
      expect(keys.filter((key) => !OMB_WORKLOAD_KEYS.has(key))).toEqual([]);
    }
  });
});

describe('driver and workers golden files', () => {
  const cluster = parseConfigText(
    'cluster',
    'clusterName: lab\nmanagedLedger: { ensembleSize: 3, writeQuorum: 2, ackQuorum: 2 }\n',
    {
      file: 'cluster.yaml',
    },
  );
  const plan = parseConfigText(
    'testPlan',
    'name: p\ndriver:\n  consumer: { subscriptionType: Shared }\nruns: [{ type: max-rate }]\n',
    {
      file: 'plan.yaml',
    },
  );

  it('pulsar driver with every broker and the cluster quorum', async () => {
    await golden(
      'driver-pulsar.yaml',
      pulsarDriverYaml({ brokers: ['10.0.1.10', '10.0.1.11', '10.0.1.12'], cluster, driver: plan.driver }),
    );
  });

  it('workers file', async () => {
    await golden('workers.yaml', ombWorkersYaml(['10.0.2.10', '10.0.2.11']));
  });
});
