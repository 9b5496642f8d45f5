// How long `lab-ami --help` takes from process start to exit: the AWS SDK is imported lazily,
// so help and argument errors stay well under a second.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const runs: number[] = [];
for (let index = 0; index < 11; index += 1) {
  const started = performance.now();
  execFileSync(process.execPath, [cli, '--help'], { stdio: 'ignore' });
  runs.push(performance.now() - started);
}
runs.sort((a, b) => a - b);
console.log(
  `lab-ami --help: median ${runs[5]!.toFixed(0)} ms, max ${runs.at(-1)!.toFixed(0)} ms over ${runs.length} runs`,
);
