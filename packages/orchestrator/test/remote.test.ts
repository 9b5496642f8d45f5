import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeWithTools } from '@lab/test-support';
import { describe, expect, it } from 'vitest';
import { parsePollOutput, remoteRun } from '../src/index.js';
import { ombTenantScript } from '../src/remote.js';

const exec = promisify(execFile);
const bash = async (script: string) => (await exec('bash', ['-c', script])).stdout;

// A stand-in for OMB's bin/benchmark: prints rate lines like OMB, writes --output, exits with $FAKE_EXIT.
const FAKE_BENCHMARK = `#!/usr/bin/env bash
set -euo pipefail
out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    *) shift ;;
  esac
done
echo "12:00:10.000 [main] INFO WorkloadGenerator - Pub rate  1002.5 msg/s /  1.0 MB/s | Pub err     0.0 err/s | Cons rate  1001.9 msg/s /  1.0 MB/s | Backlog:  0.0 K"
sleep "\${FAKE_SLEEP:-0}"
if [[ -z "\${FAKE_NO_RESULT:-}" ]]; then echo '{"workload":"w","publishRate":[1]}' >"$out"; fi
exit "\${FAKE_EXIT:-0}"
`;

async function fakeOmb() {
  const root = await mkdtemp(join(tmpdir(), 'omb-'));
  const omb = join(root, 'omb');
  await mkdir(join(omb, 'bin'), { recursive: true });
  await writeFile(join(omb, 'bin/benchmark'), FAKE_BENCHMARK);
  await chmod(join(omb, 'bin/benchmark'), 0o755);
  const run = remoteRun({
    experimentId: 'exp-20260101-120000',
    runId: '001-fixed-1k',
    distributed: true,
    ombHome: omb,
    root: join(root, 'lab'),
  });
  await mkdir(run.dir, { recursive: true });
  return { root, run };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not reached');
}

describe('remote OMB scripts (run with bash against a fake OMB)', () => {
  it('start returns at once, poll shows the rate and then the exit code, the result is where fetch looks', async () => {
    const { run } = await fakeOmb();
    expect(await bash(run.startScript)).toMatch(/^started \d+/);
    let state = parsePollOutput(await bash(run.pollScript));
    await until(async () => {
      state = parsePollOutput(await bash(run.pollScript));
      return state.state === 'exited';
    });
    expect(state).toEqual({ state: 'exited', exitCode: 0, publishRate: 1002.5, consumeRate: 1001.9 });
    expect(await readFile(run.resultFile, 'utf8')).toContain('"workload"');
    expect(run.benchmark).toContain('--workers-file');
  });

  it('stop interrupts a running benchmark and its process group', async () => {
    const { run } = await fakeOmb();
    process.env.FAKE_SLEEP = '30';
    try {
      await bash(run.startScript);
    } finally {
      delete process.env.FAKE_SLEEP;
    }
    expect(parsePollOutput(await bash(run.pollScript)).state).toBe('running');
    expect((await bash(run.stopScript)).trim()).toMatch(/stopped|killed/);
    await until(async () => parsePollOutput(await bash(run.pollScript)).state !== 'running');
  });

  it('a stop before any start says so', async () => {
    const { run } = await fakeOmb();
    expect((await bash(run.stopScript)).trim()).toBe('not started');
  });

  describeWithTools(['shellcheck'], 'shellcheck', ({ shellcheck }) => {
    it('the scripts are shellcheck-clean', async () => {
      const { run } = await fakeOmb();
      const tenant = ombTenantScript({
        webServiceUrl: 'http://10.42.0.90:8080',
        tenant: 'benchmark',
        cluster: 'lab',
      });
      for (const script of [run.startScript, run.pollScript, run.stopScript, tenant]) {
        const file = join(await mkdtemp(join(tmpdir(), 'sc-')), 'script.sh');
        await writeFile(file, `#!/usr/bin/env bash\n${script}\n`);
        await expect(exec(shellcheck, ['--severity=style', file])).resolves.toBeDefined();
      }
    });
  });

  it('reads poll output: running, exited, vanished, unknown', () => {
    expect(parsePollOutput('running\n')).toEqual({ state: 'running' });
    expect(parsePollOutput('exited 3\n')).toEqual({ state: 'exited', exitCode: 3 });
    expect(parsePollOutput('vanished')).toEqual({ state: 'vanished' });
    expect(parsePollOutput('')).toEqual({ state: 'unknown' });
  });
});

describe("OMB's tenant, created once before the workers race for it", () => {
  it("creates it, accepts an existing one, and fails with the broker's answer otherwise", async () => {
    const { createServer } = await import('node:http');
    const answers: Record<string, number> = {
      '/admin/v2/tenants/fresh': 204,
      '/admin/v2/tenants/taken': 409,
    };
    const bodies: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        bodies.push(`${request.method} ${request.url} ${body}`);
        const status = answers[request.url ?? ''] ?? 500;
        response.writeHead(status).end(status === 500 ? 'Internal error: BadVersion' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const script = (tenant: string) =>
      ombTenantScript({ webServiceUrl: `http://127.0.0.1:${port}`, tenant, cluster: 'lab' });
    try {
      expect(await bash(script('fresh'))).toBe('created tenant fresh\n');
      expect(await bash(script('taken'))).toBe('tenant taken exists\n');
      await expect(bash(script('broken'))).rejects.toMatchObject({
        stderr: 'HTTP 500 from Internal error: BadVersion\n',
      });
      expect(bodies[0]).toBe('PUT /admin/v2/tenants/fresh {"adminRoles":[],"allowedClusters":["lab"]}');
    } finally {
      server.close();
    }
  });
});
