// Records `lab-cleanup <experiment> --execute` as a person sees it, into docs/terminal/ (see the
// README), against the moto emulator with an experiment's full topology built in it:
//
//   bash scripts/with-moto.sh pnpm --filter @lab/lab-cleanup record
//
// The question is answered "y" after a moment on screen. (moto has no placement groups, hence
// --exclude-type placement-group on the command line; the window title shows what a person types.)
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildTopology,
  KEYS,
  motoAccount,
  motoEndpoint,
  recordTerminal,
  terminalEnv,
} from '@lab/test-support';

const REPO = resolve(import.meta.dirname, '../../../..');
const TSX = createRequire(import.meta.url).resolve('tsx');
const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const EXPERIMENT = 'exp-20261130-091500';

if (motoEndpoint === undefined) {
  console.error('No moto: run it as `bash scripts/with-moto.sh pnpm --filter @lab/lab-cleanup record`.');
  process.exit(2);
}
const account = await motoAccount();
await buildTopology(account, EXPERIMENT);
const { code, files } = await recordTerminal({
  command: process.execPath,
  args: [
    '--import',
    TSX,
    CLI,
    EXPERIMENT,
    '--region',
    account.region,
    '--execute',
    '--endpoint-url',
    account.connection.endpoint,
    '--exclude-type',
    'placement-group',
  ],
  env: terminalEnv({
    AWS_ACCESS_KEY_ID: account.connection.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.connection.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: account.connection.credentials.sessionToken,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }),
  columns: 100,
  rows: 62,
  out: join(REPO, 'docs', 'terminal'),
  title: `lab-cleanup ${EXPERIMENT} --region ${account.region} --execute`,
  steps: [{ waitFor: /\[y\/N\]/, pause: 1500, frame: 'lab-cleanup-question', keys: `y${KEYS.enter}` }],
  final: 'lab-cleanup-done',
});
console.log(`exit code ${code}; wrote\n  ${files.join('\n  ')}`);
process.exitCode = code;
