import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@lab/experiment-store';
import { afterEach } from 'vitest';

const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
});

/** A fresh experiment store home (0700, as the store makes it). */
export async function tempStore(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'lab-cleanup-store-')), 'home');
}

/** Creates experiment `id` in the store at `home`, as `lab-orchestrate setup` would. */
export async function createExperiment(home: string, id: string): Promise<void> {
  const experiment = await openStore({ home }).create({
    name: id,
    id,
    regions: ['us-east-1'],
    configDigest: 'sha256:test',
  });
  await experiment.startPhase('setup');
  await experiment.endPhase('setup', 'succeeded');
  await experiment.release();
}

/** A separate live process holding the experiment's lock; resolves once it holds it. */
export async function holdLock(
  home: string,
  id: string,
  purpose: string,
  options: { startPhase?: boolean } = {},
): Promise<ChildProcess & { pid: number }> {
  const child = spawn(
    process.execPath,
    [
      join(import.meta.dirname, 'hold-lock.mjs'),
      home,
      id,
      purpose,
      ...(options.startPhase === true ? ['--start-phase'] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().startsWith('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`hold-lock exited with ${code}: ${stderr}`)));
  });
  return child as ChildProcess & { pid: number };
}

/** Kills `child` with SIGKILL and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
  running.delete(child);
}
