import { appendFileSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { type EventSink, formatEventJson, formatEventLine, type LabEvent, ValidationError } from '@lab/core';
import { PRIVATE_FILE_MODE } from './atomic.js';

/** Absolute paths of everything in an experiment directory. */
export interface ExperimentPaths {
  root: string;
  manifest: string;
  /** Human log: one `formatEventLine` line per event. */
  log: string;
  /** Structured log: one JSON event per line. */
  events: string;
  lock: string;
  /** Terraform working files of this experiment: its variables and its own state. */
  terraformDir: string;
  /** The experiment's own Terraform state directory (experiments never share state). */
  terraformStateDir: string;
  terraformState: string;
  terraformVars: string;
  benchmarkResults: string;
  report: string;
}

export const TERRAFORM_DIR = 'terraform';

export function experimentPaths(root: string): ExperimentPaths {
  const terraformDir = join(root, TERRAFORM_DIR);
  return {
    root,
    manifest: join(root, 'manifest.json'),
    log: join(root, 'log.txt'),
    events: join(root, 'events.ndjson'),
    lock: join(root, '.lock'),
    terraformDir,
    terraformStateDir: terraformDir,
    terraformState: join(terraformDir, 'terraform.tfstate'),
    terraformVars: join(terraformDir, 'terraform.tfvars.json'),
    benchmarkResults: join(root, 'benchmark_results'),
    report: join(root, 'report'),
  };
}

/** Files the store owns; `writeFileAtomic` refuses them. */
export const MANAGED_FILES = ['manifest.json', 'log.txt', 'events.ndjson', '.lock'];

/**
 * The absolute path of `relPath` inside `root`, refusing paths outside it and the store's own
 * files (`what` names the experiment in the error).
 */
export function insidePath(root: string, relPath: string, what: string): string {
  const target = join(root, normalize(relPath));
  const inside = relative(root, target);
  if (
    relPath === '' ||
    isAbsolute(relPath) ||
    inside === '' ||
    inside === '..' ||
    inside.startsWith(`..${sep}`) ||
    MANAGED_FILES.includes(inside)
  ) {
    throw new ValidationError(`Cannot write ${JSON.stringify(relPath)} in ${what}`, [
      {
        path: 'relPath',
        message: MANAGED_FILES.includes(inside)
          ? 'this file is managed by the store; use updateManifest or eventSink'
          : 'must be a relative path inside the experiment directory',
        received: relPath,
      },
    ]);
  }
  return target;
}

/**
 * A sink appending each event to `events.ndjson` and a `formatEventLine` line to `log.txt`,
 * synchronously (the logs keep the events' order and survive a crash right after); a failed
 * append goes to `onError`, never thrown.
 */
export function appendingSink(
  paths: ExperimentPaths,
  onError: (error: unknown, event: LabEvent) => void,
): EventSink {
  return (event) => {
    try {
      appendFileSync(paths.events, `${formatEventJson(event)}\n`, { mode: PRIVATE_FILE_MODE });
      appendFileSync(paths.log, `${formatEventLine(event)}\n`, { mode: PRIVATE_FILE_MODE });
    } catch (error) {
      onError(error, event);
    }
  };
}
