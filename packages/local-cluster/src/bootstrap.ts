import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BOOTSTRAP_LOG_PATH, BOOTSTRAP_STATUS_PATH } from '@lab/infra';
import type { LocalClusterLayout, LocalHost } from './layout.js';
import { type HostShell, hostEnvironment } from './shell.js';

/** Where a node's bootstrap writes its standard output and error (user-data's console on EC2). */
export const BOOTSTRAP_OUTPUT_PATH = '/var/log/lab/bootstrap.out';

/**
 * Starts lab-bootstrap on every node at once, detached, as user-data does at first boot: each
 * waits for what its role needs (ZooKeeper, the cluster metadata) on its own. Returns at once;
 * `bootstrapStatus` tells how each is doing. The processes carry the experiment's environment,
 * so teardown finds them even when this process is gone.
 */
export function startBootstraps(shell: HostShell, layout: LocalClusterLayout): void {
  for (const host of layout.hosts) {
    const logDir = join(host.root, 'var', 'log', 'lab');
    mkdirSync(logDir, { recursive: true });
    const output = openSync(join(host.root, BOOTSTRAP_OUTPUT_PATH), 'a');
    try {
      const child = spawn('bash', [join(host.root, 'opt', 'lab', 'bin', 'lab-bootstrap')], {
        cwd: host.root,
        env: { ...process.env, ...hostEnvironment(shell, host) },
        stdio: ['ignore', output, output],
        detached: true,
      });
      child.on('error', () => {
        // Reported by bootstrapStatus: the node then never writes its status file.
      });
      child.unref();
    } finally {
      closeSync(output);
    }
  }
}

export type BootstrapState =
  | { state: 'running' }
  | { state: 'ok'; message: string }
  | { state: 'failed'; message: string; logTail: string };

/** What a node's bootstrap reported in its status file, or `running` while there is none. */
export async function bootstrapStatus(host: LocalHost): Promise<BootstrapState> {
  let text: string;
  try {
    text = await readFile(join(host.root, BOOTSTRAP_STATUS_PATH), 'utf8');
  } catch {
    // Not written yet: the bootstrap is still at work (or has not started).
    return { state: 'running' };
  }
  let status: { status?: unknown; message?: unknown };
  try {
    status = JSON.parse(text) as typeof status;
  } catch {
    return { state: 'running' };
  }
  const message = typeof status.message === 'string' ? status.message : '';
  if (status.status === 'ok') return { state: 'ok', message };
  return { state: 'failed', message, logTail: await tail(join(host.root, BOOTSTRAP_LOG_PATH)) };
}

async function tail(path: string, lines = 8): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
