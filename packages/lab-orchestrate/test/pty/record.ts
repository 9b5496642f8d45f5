// Records `lab-orchestrate full` as a person sees it, into docs/terminal/ (see the README):
//
//   pnpm --filter @lab/lab-orchestrate record
//
// By default it records the mocked lifecycle (mocked-lab.ts: AWS mocked, a simulated cluster,
// the fixture terraform; time 60× faster), answering the cost question with "y". To record
// another command line instead — a local target, or a real account — pass it after `--`, from
// the repository root, with --yes (it is not answered):
//
//   pnpm --filter @lab/lab-orchestrate record -- node packages/lab-orchestrate/dist/cli.js \
//     full --target local --test-plan configs/test-plans/poc.yaml --yes
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYS, type RecordingStep, recordTerminal, terminalEnv } from '@lab/test-support';

const REPO = resolve(import.meta.dirname, '../../../..');
const OUT = join(REPO, 'docs', 'terminal');
const TSX = createRequire(import.meta.url).resolve('tsx');
const MOCKED_LAB = fileURLToPath(new URL('./mocked-lab.ts', import.meta.url));
const SPINNER = '[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]';
/** The live line while the health cascade waits for SSM agents. */
const CASCADE = new RegExp(`^${SPINNER} setup: health cascade · SSM online \\d+/10 · waiting for`, 'm');
/** The live line of an OMB run well under way (at least 30 s in) with its achieved rate. */
const RUNNING = new RegExp(
  `^${SPINNER} run: 001-fixed-1k .* (?:\\dm\\d\\ds|[3-5]\\ds) of \\dm00s · \\d+ msg/s`,
  'm',
);

const given = process.argv.slice(2).filter((arg) => arg !== '--');
const home = await mkdtemp(join(tmpdir(), 'pulsar-aws-lab-'));
const typed = ['full', '--test-plan', 'configs/test-plans/poc.yaml', '--cost-threshold', '0.25'];
const steps: RecordingStep[] =
  given.length > 0
    ? [{ waitFor: RUNNING, frame: 'full-running' }]
    : [
        { waitFor: /\[y\/N\]/, pause: 1500, frame: 'full-question', keys: `y${KEYS.enter}` },
        { waitFor: CASCADE, frame: 'full-cascade' },
        { waitFor: RUNNING, frame: 'full-running' },
      ];
const { code, files } = await recordTerminal({
  command: given.length > 0 ? given[0]! : process.execPath,
  args:
    given.length > 0
      ? given.slice(1)
      : [
          '--import',
          TSX,
          MOCKED_LAB,
          ...typed,
          '--terraform-bin',
          join(REPO, 'packages/orchestrator/test/fixtures/terraform'),
          '--terraform-dir',
          join(REPO, 'terraform'),
        ],
  cwd: REPO,
  env: terminalEnv({
    PULSAR_AWS_LAB_HOME: home,
    TF_FIXTURE_LOG: join(home, 'terraform-calls.log'),
    LAB_TIME_SCALE: '60',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(given.length > 0 ? { ...process.env, CI: undefined } : {}),
  }),
  columns: 100,
  rows: 66,
  out: OUT,
  title:
    given.length > 0
      ? given.join(' ').replace(/^\S*node \S*lab-orchestrate\/dist\/cli\.js/, 'lab-orchestrate')
      : `lab-orchestrate ${typed.join(' ')}`,
  steps,
  final: 'full-done',
});
console.log(`exit code ${code}; wrote\n  ${files.join('\n  ')}`);
process.exitCode = code;
