// Randomized fault trials against moto: each trial builds a random experiment and random decoys,
// cleans it up (sometimes twice at once) under random faults injected through an SDK middleware,
// and checks with its own listing that nothing of the experiment is left but what must stay and
// that no decoy changed. Prints trials, leaks, collateral damage and p50/p99 cleanup time; a
// failed trial prints its seed, which replays it exactly (and can become a regression test).
//
// Usage: pnpm --filter @lab/tag-cleanup bench:faults -- --trials 200 --seed 1 [--parallel 2]
//        pnpm --filter @lab/tag-cleanup bench:faults -- --replay 0x1a2b3c4d
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { prng } from '../test/support/chaos.js';
import { failed, runTrial, type TrialOutcome, trialSpec } from '../test/support/trials.js';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '2' },
    replay: { type: 'string' },
  },
});
const endpoint = process.env.LAB_MOTO_ENDPOINT;
if (endpoint === undefined || endpoint === '') {
  console.error(
    'LAB_MOTO_ENDPOINT is not set: run through `pnpm bench:faults` (scripts/with-moto.sh starts moto)',
  );
  process.exit(2);
}
const number = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name}: expected a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
};

const hex = (seed: number) => `0x${seed.toString(16).padStart(8, '0')}`;
const seeds =
  values.replay === undefined
    ? (() => {
        const random = prng(number('seed', values.seed));
        return Array.from({ length: number('trials', values.trials) }, () => Math.floor(random() * 2 ** 32));
      })()
    : [number('replay', values.replay)];
const parallel = Math.max(1, number('parallel', values.parallel));

const describeFaults = (outcome: TrialOutcome) => {
  const { throttling, serverErrors, dependencyViolations, staleListings, concurrentDeletes } = outcome.faults;
  return `throttled ${throttling}, 5xx ${serverErrors}, refused ${dependencyViolations}, stale ${staleListings}, raced ${concurrentDeletes}`;
};
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

console.log(
  `fault trials: ${seeds.length} trial(s)${values.replay === undefined ? `, seed ${values.seed}` : ''}, ${parallel} at a time, moto at ${endpoint}`,
);
console.log(
  `machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`,
);
const outcomes: TrialOutcome[] = [];
let next = 0;
const started = Date.now();
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < seeds.length) {
      const index = next++;
      const outcome = await runTrial(trialSpec(seeds[index]!));
      outcomes.push(outcome);
      const { spec } = outcome;
      const verdict = failed(outcome)
        ? `FAILED (replay: --replay ${hex(spec.seed)})`
        : `ok${outcome.pessimistic > 0 ? ' (said incomplete; nothing left)' : ''}`;
      console.log(
        `#${String(index + 1).padStart(3)} ${hex(spec.seed)} ${String(outcome.resources).padStart(3)} resources, ${String(outcome.decoys).padStart(3)} decoys${spec.decoys.inVpc ? ' (some in its VPC)' : ''}, ${spec.includeImages ? 'images too' : 'images kept'}, ${spec.secondRunAfterMs === undefined ? 'one run' : `two runs (+${spec.secondRunAfterMs} ms)`}; ${describeFaults(outcome)}; ${seconds(outcome.cleanupMs)} — ${verdict}`,
      );
      if (failed(outcome) || outcome.pessimistic > 0) {
        for (const line of [
          ...outcome.reports.flatMap((report, run) =>
            report.map((text) => `run ${run + 1} reported: ${text}`),
          ),
          ...outcome.leaks.map((id) => `leak: ${id}`),
          ...outcome.collateral.map((text) => `collateral: ${text}`),
          ...(outcome.falseVerified ? ['a run said complete while something was left'] : []),
          ...outcome.unreported.map((id) => `not reported as remaining: ${id}`),
          ...(outcome.error === undefined ? [] : [`error: ${outcome.error}`]),
        ]) {
          console.log(`      ${line}`);
        }
      }
    }
  }),
);

const times = outcomes.map((outcome) => outcome.cleanupMs).sort((a, b) => a - b);
const sum = (pick: (outcome: TrialOutcome) => number) => outcomes.reduce((total, o) => total + pick(o), 0);
const failures = outcomes.filter(failed);
console.log('');
console.log(
  `trials ${outcomes.length}, leaks ${sum((o) => o.leaks.length)}, collateral damage ${sum((o) => o.collateral.length)}, ` +
    `false "complete" ${outcomes.filter((o) => o.falseVerified).length}, unreported ${sum((o) => o.unreported.length)}, ` +
    `errors ${outcomes.filter((o) => o.error !== undefined).length}`,
);
console.log(
  `cleanup time p50 ${seconds(percentile(times, 50))}, p99 ${seconds(percentile(times, 99))}, max ${seconds(times.at(-1) ?? 0)}; ` +
    `${sum((o) => o.resources)} resources deleted or kept, ${sum((o) => o.decoys)} decoys; wall ${seconds(Date.now() - started)}`,
);
console.log(
  `faults fired: throttling ${sum((o) => o.faults.throttling)}, 5xx ${sum((o) => o.faults.serverErrors)}, ` +
    `refusals ${sum((o) => o.faults.dependencyViolations)}, stale listings ${sum((o) => o.faults.staleListings)}, ` +
    `concurrent deletions ${sum((o) => o.faults.concurrentDeletes)}; second run in ${outcomes.filter((o) => o.spec.secondRunAfterMs !== undefined).length} trial(s); ` +
    `runs that said incomplete with nothing left: ${sum((o) => o.pessimistic)}`,
);
if (failures.length > 0) {
  console.log(
    `FAILED trials — replay each with --replay SEED: ${failures.map((o) => hex(o.spec.seed)).join(' ')}`,
  );
  process.exit(1);
}
