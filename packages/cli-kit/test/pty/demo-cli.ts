// A small program on cli-kit used the way the lab's CLIs use it: a phase with ticking progress,
// a wide table, a question, then long work. The pseudo-terminal tests drive it as a person would.
// Flags: --yes, --json, --slow (the work after the question takes a minute: time to press Ctrl-C).
import { createEmitter } from '@lab/core';
import { formatTable, runCli } from '../../src/index.js';

const args = process.argv.slice(2);
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

const rows = Array.from({ length: 4 }, (_, index) => ({
  type: index === 0 ? 'instance-profile' : 'subnet',
  id: index === 0 ? 'pulsar-aws-lab-exp-20260101-000001' : `subnet-0${index}23456789abcdef0`,
  region: 'us-east-1',
  name: 'a name tag long enough to need cutting on a narrow terminal',
  waitsFor: 'i-0123456789abcdef0, i-0123456789abcdef1, i-0123456789abcdef2 +4 more',
}));

process.exitCode = await runCli(
  { json: args.includes('--json'), yes: args.includes('--yes') },
  async ({ renderer, signal, confirm }) => {
    const events = createEmitter({ source: 'demo', sink: renderer.sink });
    renderer.phase('discover');
    for (let region = 1; region <= 3; region += 1) {
      events.emit(
        'region',
        `Looking in region ${region}`,
        { progress: { done: region, total: 3, label: 'regions' } },
        'debug',
      );
      await sleep(100, signal);
    }
    events.emit('plan.ready', `Found ${rows.length} resource(s) in 2 level(s)`);
    renderer.line(
      formatTable(
        rows,
        [
          { header: 'type', value: (row) => row.type },
          { header: 'id', value: (row) => row.id },
          { header: 'region', value: (row) => row.region },
          { header: 'name', value: (row) => row.name, shrink: true },
          { header: 'waits for', value: (row) => row.waitsFor, shrink: true },
        ],
        { width: renderer.width() },
      ),
    );
    await confirm(`Delete these ${rows.length} resource(s)?`);
    renderer.phase('delete');
    const steps = args.includes('--slow') ? 600 : 4;
    for (let done = 1; done <= steps; done += 1) {
      await sleep(100, signal);
      events.emit(
        'deleted',
        `Deleted: ${rows[done % rows.length]!.id}`,
        { progress: { done, total: steps, label: 'deleted' } },
        'debug',
      );
    }
    renderer.line(`Deleted ${rows.length} resource(s).`);
    renderer.result({ deleted: rows.length });
    return 0;
  },
);
