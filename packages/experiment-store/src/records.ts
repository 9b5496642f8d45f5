import { errorMessage, isLabError, LabError, ValidationError, withContext } from '@lab/core';
import { isErrno } from './atomic.js';
import { type ErrorRecord, isValidPhaseName } from './manifest.js';

export function assertPhaseName(phase: string): void {
  if (!isValidPhaseName(phase)) {
    throw new ValidationError(`Invalid phase name ${JSON.stringify(phase)}`, [
      {
        path: 'phase',
        message: 'not a phase name',
        expected: 'a lowercase letter, then up to 31 lowercase letters, digits or hyphens',
        received: JSON.stringify(phase),
      },
    ]);
  }
}

export function toErrorRecord(error: unknown): ErrorRecord {
  if (isLabError(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  return { code: 'UNEXPECTED', message: errorMessage(error) };
}

/** Why a manifest could not be read: missing (`MANIFEST_MISSING`), or the file system's error. */
export function manifestReadError(id: string, path: string, error: unknown): LabError {
  if (isErrno(error, 'ENOENT')) {
    return new LabError('MANIFEST_MISSING', `Experiment ${id} has no manifest (${path})`, {
      hint: 'Its creation was interrupted before the manifest was written, or the file was removed; inspect the directory',
      cause: error,
      details: { path },
    });
  }
  return withContext(error, `Reading the manifest of experiment ${id}`, { details: { path } });
}
