import { randomBytes } from 'node:crypto';
import { mkdir, rename, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertExperimentId,
  assertValidTags,
  errorMessage,
  formatExperimentId,
  LabError,
  ValidationError,
  type ValidationIssue,
  withContext,
} from '@lab/core';
import { fsyncDir, isErrno, PRIVATE_DIR_MODE } from './atomic.js';
import { ExperimentExistsError } from './errors.js';
import { isValidPhaseName, isValidRegion } from './manifest.js';
import { LATEST, RESERVED_NAMES } from './names.js';
import type { CreateExperimentInput } from './store.js';

export function validateCreateInput(input: CreateExperimentInput, phases: readonly string[]): void {
  const issues: ValidationIssue[] = [];
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 200) {
    issues.push({ path: 'name', message: 'must be 1–200 characters', received: JSON.stringify(input.name) });
  }
  const local = input.target === 'local';
  if (!Array.isArray(input.regions) || (input.regions.length === 0) !== local) {
    issues.push({
      path: 'regions',
      message: local ? 'a local experiment has no regions' : 'at least one region is required',
      expected: local ? '[]' : 'e.g. ["eu-west-1"]',
    });
  } else {
    input.regions.forEach((region, index) => {
      if (!isValidRegion(region)) {
        issues.push({
          path: `regions.${index}`,
          message: 'not an AWS region name',
          received: JSON.stringify(region),
        });
      }
    });
  }
  if (
    typeof input.configDigest !== 'string' ||
    input.configDigest === '' ||
    input.configDigest.length > 256
  ) {
    issues.push({
      path: 'configDigest',
      message: 'must be 1–256 characters',
      received: JSON.stringify(input.configDigest),
    });
  }
  if (phases.length === 0) issues.push({ path: 'phases', message: 'at least one phase is required' });
  for (const [index, phase] of phases.entries()) {
    if (!isValidPhaseName(phase)) {
      issues.push({ path: `phases.${index}`, message: 'not a phase name', received: JSON.stringify(phase) });
    }
  }
  if (new Set(phases).size !== phases.length) issues.push({ path: 'phases', message: 'phase names repeat' });
  if (input.id !== undefined) {
    try {
      assertExperimentId(input.id, 'id');
      if (RESERVED_NAMES.includes(input.id)) {
        issues.push({ path: 'id', message: `"${input.id}" is reserved by the store`, received: input.id });
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (input.details !== undefined) {
    try {
      JSON.stringify(input.details);
    } catch (error) {
      issues.push({ path: 'details', message: `not JSON-serialisable: ${errorMessage(error)}` });
    }
  }
  if (issues.length > 0) throw new ValidationError('Invalid experiment', issues);
  if (input.tags !== undefined) assertValidTags(input.tags, 'experiment tags');
}

/** Claims the experiment's directory. mkdir is atomic, so two processes never get one id. */
export async function claimDirectory(home: string, chosen: string | undefined, at: Date): Promise<string> {
  if (chosen !== undefined) {
    const path = join(home, chosen);
    try {
      await mkdir(path, { mode: PRIVATE_DIR_MODE });
      return chosen;
    } catch (error) {
      if (isErrno(error, 'EEXIST')) throw new ExperimentExistsError(chosen, path);
      throw withContext(error, `Creating ${path}`);
    }
  }
  for (let sequence = 1; sequence <= 10_000; sequence++) {
    const id = formatExperimentId(at, sequence);
    try {
      await mkdir(join(home, id), { mode: PRIVATE_DIR_MODE });
      return id;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw withContext(error, `Creating ${join(home, id)}`);
    }
  }
  throw new LabError(
    'EXPERIMENT_ID_EXHAUSTED',
    `More than 10000 experiments claim ${formatExperimentId(at)}`,
    {
      hint: 'Is the clock stuck? Pass an explicit id',
    },
  );
}

/** Points `latest` at `id`: a new link under a temporary name, renamed over the old one. */
export async function pointLatestAt(home: string, id: string): Promise<void> {
  const link = join(home, LATEST);
  const temp = join(home, `.${LATEST}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await symlink(id, temp);
    await rename(temp, link);
  } catch (error) {
    const leftover = await unlink(temp).then(
      () => undefined,
      (unlinkError: unknown) => (isErrno(unlinkError, 'ENOENT') ? undefined : temp),
    );
    throw withContext(error, `Pointing ${link} at ${id}`, {
      ...(isErrno(error, 'EISDIR', 'ENOTDIR', 'ENOTEMPTY')
        ? { hint: `${link} exists and is not a link; move it aside` }
        : {}),
      ...(leftover === undefined ? {} : { details: { leftover } }),
    });
  }
  await fsyncDir(home);
}

/** Generated ids newest first (the `-N` sequence compared as a number), then others. */
export function compareIdsNewestFirst(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}
