// A live process holding an experiment's lock, as a running lab-orchestrate does:
// node hold-lock.mjs <home> <experiment-id> <purpose>. Says "locked" on stdout, then waits to be killed.
import { openStore } from '@lab/experiment-store';

const [home, id, purpose] = process.argv.slice(2);
const experiment = await openStore({ home }).open(id, { lock: true, purpose });
if (process.argv.includes('--start-phase')) await experiment.startPhase('teardown');
process.stdout.write(`locked ${process.pid}\n`);
setInterval(() => {}, 60_000);
