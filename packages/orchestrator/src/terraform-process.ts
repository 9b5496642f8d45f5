import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, type Emitter, errorMessage, LabError, realSleep, type Sleep } from '@lab/core';

/**
 * Terraform runs in a process group of its own, so that a Ctrl-C reaches only lab-orchestrate,
 * which then stops it cleanly. If lab-orchestrate itself is killed (SIGKILL, a closed terminal
 * session, an OOM kill) the terraform it started lives on: an apply goes on creating resources
 * after a teardown has destroyed and verified what existed. So every terraform records itself in
 * the experiment's Terraform directory while it runs, and a teardown stops one left running first.
 */
const PROCESS_FILE = 'terraform.pid';

/** What a running terraform records about itself. */
export interface TerraformProcessRecord {
  pid: number;
  /** init, plan, apply, destroy or output. */
  command: string;
  startedAt: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/PID/stat), so a reused pid is not mistaken for it. */
  startTicks?: number;
}

export function terraformProcessFile(workDir: string): string {
  return join(workDir, PROCESS_FILE);
}

/** Written synchronously when terraform starts: the record exists before it can do anything. */
export function recordTerraformProcess(
  workDir: string,
  record: Omit<TerraformProcessRecord, 'startTicks'>,
): void {
  const startTicks = startTicksOf(record.pid);
  const full: TerraformProcessRecord = { ...record, ...(startTicks === undefined ? {} : { startTicks }) };
  writeFileSync(terraformProcessFile(workDir), `${JSON.stringify(full)}\n`, { mode: 0o600 });
}

export function clearTerraformProcess(workDir: string): void {
  rmSync(terraformProcessFile(workDir), { force: true });
}

/** The terraform recorded in `workDir` if it still runs (the same process, not a reused pid). */
export function runningTerraform(workDir: string): TerraformProcessRecord | undefined {
  let record: TerraformProcessRecord;
  try {
    record = JSON.parse(readFileSync(terraformProcessFile(workDir), 'utf8')) as TerraformProcessRecord;
  } catch {
    // No record (nothing ran, or it ended and removed it) or a torn one: nothing to stop.
    return undefined;
  }
  if (!Number.isInteger(record.pid) || record.pid <= 1) return undefined;
  return isSameProcess(record) ? record : undefined;
}

export interface StopOrphanOptions {
  events: Emitter;
  clock: Clock;
  sleep?: Sleep;
  /** How long terraform may take after SIGINT (it finishes the operations in flight), then after SIGTERM. Default 60 s each. */
  graceMs?: number;
}

/**
 * Stops a terraform that a killed lab-orchestrate left running in `workDir`, the way a Ctrl-C
 * would (SIGINT to its process group: it finishes what is in flight and writes the state), then
 * SIGTERM, then SIGKILL; resolves once it has exited, so that what follows sees the final state.
 */
export async function stopOrphanedTerraform(workDir: string, options: StopOrphanOptions): Promise<void> {
  const orphan = runningTerraform(workDir);
  if (orphan === undefined) {
    clearTerraformProcess(workDir);
    return;
  }
  const sleep = options.sleep ?? realSleep;
  const graceMs = options.graceMs ?? 60_000;
  options.events.emit(
    'orphan.found',
    `terraform ${orphan.command} (pid ${orphan.pid}, started ${orphan.startedAt}) of an earlier lab-orchestrate is still running; stopping it before destroying`,
    { ...orphan },
    'warn',
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    signalGroup(orphan.pid, signal);
    const deadline = options.clock.now() + (signal === 'SIGKILL' ? 5_000 : graceMs);
    while (isSameProcess(orphan)) {
      if (options.clock.now() >= deadline) break;
      await sleep(250);
    }
    if (!isSameProcess(orphan)) {
      options.events.emit(
        'orphan.stopped',
        `terraform ${orphan.command} (pid ${orphan.pid}) stopped (${signal})`,
      );
      clearTerraformProcess(workDir);
      return;
    }
  }
  throw new LabError(
    'TERRAFORM_ORPHAN_RUNNING',
    `terraform ${orphan.command} (pid ${orphan.pid}) is still running after SIGKILL`,
    {
      hint: `Stop it (kill -KILL -${orphan.pid}) and run the teardown again`,
      details: { ...orphan },
    },
  );
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group has just gone. Anything else (EPERM: not ours) is worth saying.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw new LabError(
      'TERRAFORM_ORPHAN_SIGNAL',
      `Could not send ${signal} to terraform (pid ${pid}): ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

function isSameProcess(record: TerraformProcessRecord): boolean {
  if (record.startTicks !== undefined) return startTicksOf(record.pid) === record.startTicks;
  try {
    process.kill(record.pid, 0);
    return true;
  } catch {
    // ESRCH: gone; EPERM: a process of another user holds the pid now — not ours either way.
    return false;
  }
}

/** Field 22 of /proc/PID/stat (after the parenthesised command name); undefined without /proc or once it is gone. */
function startTicksOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Not Linux, or the process has exited.
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so starttime (22) is at index 19.
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}
