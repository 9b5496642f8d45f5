// A separate process for the cross-process tests. Prints one JSON object per line on stdout.
import { createInterface } from 'node:readline';
import { collectEvents, isLabError } from '@lab/core';
import { writeFileAtomic } from '../../src/atomic.js';
import { openStore } from '../../src/index.js';

const [command, home, ...rest] = process.argv.slice(2);
const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const hang = () => new Promise<never>(() => setInterval(() => {}, 60_000));
const waitForGo = () =>
  new Promise<void>((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        resolve();
      }
    });
  });

const collected = collectEvents();

async function main(): Promise<void> {
  if (home === undefined) throw new Error('usage: child <command> <home> …');
  switch (command) {
    case 'create': {
      // create <home> <clockMs> <count>: waits for "go" on stdin so that siblings race.
      const clockMs = Number(rest[0]);
      const count = Number(rest[1] ?? '1');
      const store = openStore({ home, clock: { now: () => clockMs } });
      say({ ready: process.pid });
      await waitForGo();
      const ids: string[] = [];
      for (let index = 0; index < count; index++) {
        const experiment = await store.create({
          name: `child ${process.pid}`,
          regions: ['eu-west-1'],
          configDigest: 'sha256:x',
        });
        ids.push(experiment.id);
        await experiment.release();
      }
      say({ ids });
      return;
    }
    case 'hold-lock': {
      // hold-lock <home> <id> [race]: with "race", waits for "go" on stdin before locking.
      const store = openStore({ home, events: collected.sink });
      const experiment = await store.open(rest[0]!);
      if (rest[1] === 'race') {
        say({ ready: process.pid });
        await waitForGo();
      }
      await experiment.lock({ purpose: 'holding for a test' });
      say({ locked: process.pid, events: collected.events.map((event) => event.type) });
      await hang();
      return;
    }
    case 'update': {
      const store = openStore({ home, events: collected.sink });
      const experiment = await store.open(rest[0]!);
      const manifest = await experiment.updateManifest((draft) => {
        draft.details.updatedBy = process.pid;
      });
      say({ updated: manifest.details.updatedBy, events: collected.events });
      return;
    }
    case 'partial-write': {
      // partial-write <home> <path>: writes one chunk, reports, then hangs until killed.
      const target = rest[0]!;
      async function* chunks() {
        yield '{"schemaVersion": 1, "id": "half';
        say({ midWrite: process.pid });
        await hang();
      }
      await writeFileAtomic(target, chunks());
      return;
    }
    case 'update-loop': {
      // update-loop <home> <id>: rewrites a large manifest again and again until killed.
      const store = openStore({ home });
      const experiment = await store.open(rest[0]!, { lock: true });
      say({ looping: process.pid });
      for (let round = 1; ; round++) {
        await experiment.updateManifest((draft) => {
          draft.details.round = round;
          draft.details.padding = 'x'.repeat(2_000_000 + (round % 7));
        });
        say({ completed: round });
      }
    }
    case 'lifecycle': {
      // lifecycle <home> <name>: after "go", one experiment's whole life as lab-orchestrate
      // lives it — create, Terraform variables, phases, resources, the shared AMI cache,
      // teardown, outcome — with pauses so that a sibling doing the same interleaves.
      const name = rest[0]!;
      const store = openStore({ home, events: collected.sink });
      say({ ready: process.pid });
      await waitForGo();
      const pause = () => new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      const experiment = await store.create({
        name,
        regions: ['eu-west-1'],
        configDigest: `sha256:${name}`,
        purpose: `lifecycle ${name}`,
      });
      await pause();
      await experiment.writeTerraformVars({ experiment_id: experiment.id, name });
      await experiment.startPhase('setup');
      for (let round = 0; round < 5; round++) {
        await store.amiCache.set({ accountId: '123456789012', region: 'eu-west-1' }, `${name}-${round}`, {
          by: name,
          round,
        });
        await experiment.recordResources('eu-west-1', 'instance', [`i-${name}-${round}`]);
        await pause();
      }
      await experiment.endPhase('setup', 'succeeded');
      await experiment.startPhase('teardown');
      await pause();
      await experiment.endPhase('teardown', 'succeeded');
      await experiment.markResourcesGone(`lifecycle ${name}`);
      await experiment.finish('succeeded');
      await experiment.release();
      say({ id: experiment.id, events: collected.events.filter((event) => event.level !== 'debug') });
      return;
    }
    case 'die-in-phase': {
      // die-in-phase <home> <phase>: creates an experiment, starts the phase, says so and hangs
      // holding the lock until it is killed.
      const store = openStore({ home });
      const experiment = await store.create({
        name: 'doomed',
        regions: ['eu-west-1'],
        configDigest: 'sha256:x',
        purpose: 'lab-orchestrate full',
      });
      await experiment.startPhase(rest[0]!);
      say({ id: experiment.id, inPhase: rest[0] });
      await hang();
      return;
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    say({
      error: isLabError(error)
        ? { code: error.code, message: error.message, hint: error.hint, details: error.details }
        : { code: 'UNEXPECTED', message: String(error) },
    });
    process.exit(3);
  },
);
