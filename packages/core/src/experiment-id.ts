import { ValidationError } from './errors.js';

const GENERATED = /^exp-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d+))?$/;
// Safe as a directory name, a tag value, an S3 key prefix and a Terraform workspace name.
const USER_CHOSEN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Names that select an experiment instead of naming one. */
export const RESERVED_EXPERIMENT_NAMES = ['latest'] as const;

export interface ParsedExperimentId {
  id: string;
  /** Whether the id has the generated `exp-YYYYMMDD-HHMMSS[-N]` form. */
  generated: boolean;
  /** Creation time encoded in a generated id (UTC, second precision). */
  createdAt?: Date;
  /** Collision sequence of a generated id: 1 for the first in a second, 2 for the next … */
  sequence?: number;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/**
 * The id of an experiment created at `date` (UTC): `exp-YYYYMMDD-HHMMSS`, with `-N` appended
 * for the N-th experiment of the same second (N ≥ 2).
 */
export function formatExperimentId(date: Date, sequence = 1): string {
  if (!Number.isInteger(sequence) || sequence < 1) {
    throw new RangeError(`sequence must be a positive integer, got ${sequence}`);
  }
  const stamp =
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  return sequence === 1 ? `exp-${stamp}` : `exp-${stamp}-${sequence}`;
}

/** Parses an experiment id; returns undefined when it is neither generated nor a valid chosen id. */
export function parseExperimentId(id: string): ParsedExperimentId | undefined {
  const match = GENERATED.exec(id);
  if (match) {
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const createdAt = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const valid =
      createdAt.getUTCFullYear() === year &&
      createdAt.getUTCMonth() === month - 1 &&
      createdAt.getUTCDate() === day &&
      createdAt.getUTCHours() === hour &&
      createdAt.getUTCMinutes() === minute &&
      createdAt.getUTCSeconds() === second;
    const sequence = match[7] === undefined ? 1 : Number(match[7]);
    const redundantSuffix = match[7] !== undefined && sequence < 2;
    if (!valid || redundantSuffix) return undefined;
    return { id, generated: true, createdAt, sequence };
  }
  if (USER_CHOSEN.test(id) && !(RESERVED_EXPERIMENT_NAMES as readonly string[]).includes(id)) {
    return { id, generated: false };
  }
  return undefined;
}

export function isExperimentId(id: string): boolean {
  return parseExperimentId(id) !== undefined;
}

/** Throws a ValidationError that explains the accepted forms when `id` is not an experiment id. */
export function assertExperimentId(id: string, field = 'experimentId'): ParsedExperimentId {
  const parsed = parseExperimentId(id);
  if (parsed === undefined) {
    throw new ValidationError(`Invalid experiment id ${JSON.stringify(id)}`, [
      {
        path: field,
        message: 'not a valid experiment id',
        expected:
          'exp-YYYYMMDD-HHMMSS[-N], or 1–64 lowercase letters, digits and hyphens starting and ending with a letter or digit (not "latest")',
        received: JSON.stringify(id),
      },
    ]);
  }
  return parsed;
}
