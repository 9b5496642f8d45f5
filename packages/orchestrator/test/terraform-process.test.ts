import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectEvents, createEmitter, systemClock } from '@lab/core';
import { runProcess } from '@lab/core/process';
import { describe, expect, it } from 'vitest';
import { createTerraform } from '../src/terraform.js';
import {
  recordTerraformProcess,
  runningTerraform,
  stopOrphanedTerraform,
  terraformProcessFile,
} from '../src/terraform-process.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A stand-in for a terraform whose caller died: its own process group, SIGINT handled like terraform's. */
async function orphan(marker: string) {
  const ready = `${marker}.ready`;
  const child = spawn(
    'bash',
    [
      '-c',
      `trap 'echo interrupted > ${marker}; exit 1' INT; touch ${ready}; sleep 30 & wait $!; kill $! 2>/dev/null`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  if (child.pid === undefined) throw new Error('bash did not start');
  // Its SIGINT handler is in place once it has said so.
  while (!existsSync(ready)) await new Promise((done) => setTimeout(done, 20));
  return child.pid;
}

describe('terraform records itself while it runs', () => {
  it('the record names the running process and is gone once it has exited', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'lab-tf-'));
    const binary = join(workDir, 'terraform');
    await writeFile(binary, `#!/usr/bin/env bash\ncat "${terraformProcessFile(workDir)}"\n`, { mode: 0o755 });
    const terraform = createTerraform({ moduleDir: workDir, workDir, binary, runner: runProcess });
    await terraform.init();
    const events = collectEvents();
    const printed = await createTerraform({ moduleDir: workDir, workDir, binary, events: events.sink })
      .output()
      .catch(() => undefined);
    expect(printed).toMatchObject({
      command: 'output',
      pid: expect.any(Number),
      startedAt: expect.any(String),
    });
    expect(existsSync(terraformProcessFile(workDir))).toBe(false);
  });
});

describe('stopOrphanedTerraform', () => {
  it('stops a recorded terraform that still runs with SIGINT to its group and waits until it has exited', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'lab-tf-'));
    const marker = join(workDir, 'marker');
    const pid = await orphan(marker);
    recordTerraformProcess(workDir, { pid, command: 'apply', startedAt: '2026-11-30T12:00:00.000Z' });
    expect(runningTerraform(workDir)).toMatchObject({ pid, command: 'apply' });
    const events = collectEvents();
    await stopOrphanedTerraform(workDir, {
      events: createEmitter({ source: 'test', sink: events.sink }),
      clock: systemClock,
    });
    expect(alive(pid)).toBe(false);
    expect((await readFile(marker, 'utf8')).trim()).toBe('interrupted');
    expect(events.events.map((event) => event.message)).toEqual([
      `terraform apply (pid ${pid}, started 2026-11-30T12:00:00.000Z) of an earlier lab-orchestrate is still running; stopping it before destroying`,
      `terraform apply (pid ${pid}) stopped (SIGINT)`,
    ]);
    expect(existsSync(terraformProcessFile(workDir))).toBe(false);
  });

  it('leaves alone a process that merely reuses the recorded pid', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'lab-tf-'));
    const pid = await orphan(join(workDir, 'marker'));
    try {
      await writeFile(
        terraformProcessFile(workDir),
        JSON.stringify({ pid, command: 'apply', startedAt: '2026-11-30T12:00:00.000Z', startTicks: 1 }),
      );
      expect(runningTerraform(workDir)).toBeUndefined();
      const events = collectEvents();
      await stopOrphanedTerraform(workDir, {
        events: createEmitter({ source: 'test', sink: events.sink }),
        clock: systemClock,
      });
      expect(alive(pid)).toBe(true);
      expect(events.events).toEqual([]);
      expect(existsSync(terraformProcessFile(workDir))).toBe(false);
    } finally {
      process.kill(-pid, 'SIGKILL');
    }
  });

  it('does nothing without a record, or with a torn one', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'lab-tf-'));
    const events = collectEvents();
    const options = { events: createEmitter({ source: 'test', sink: events.sink }), clock: systemClock };
    await stopOrphanedTerraform(workDir, options);
    await writeFile(terraformProcessFile(workDir), '{"pid": 12');
    await stopOrphanedTerraform(workDir, options);
    expect(events.events).toEqual([]);
  });
});
