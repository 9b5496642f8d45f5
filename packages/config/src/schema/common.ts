import { z } from 'zod';

/** The four kinds of instance an experiment has; the same names as `COMPONENTS` in `@lab/core`. */
export const ROLES = ['zookeeper', 'bookkeeper', 'broker', 'client'] as const;
export type Role = (typeof ROLES)[number];

/** A lowercase, hyphenated name that is safe in a file name, a tag value and an S3 key. */
export const slug = (what: string) =>
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, {
      message: `${what} must be lowercase letters, digits and hyphens, starting and ending with a letter or digit`,
    });

export const positiveInt = () => z.int().min(1);
export const nonNegativeInt = () => z.int().min(0);
