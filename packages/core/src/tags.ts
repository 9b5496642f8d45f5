import { ValidationError, type ValidationIssue } from './errors.js';

/** The value of the `Project` tag on everything the lab creates. */
export const PROJECT = 'pulsar-aws-lab';

/** The tag keys the lab owns. User tags may not redefine them. */
export const TAG_KEYS = {
  project: 'Project',
  experimentId: 'ExperimentID',
  component: 'Component',
  managedBy: 'ManagedBy',
} as const;

/**
 * When an experiment's resources were created and when they may be swept: the lab's Terraform
 * sets both on every resource; cleanup's sweep mode reads them.
 */
export const LIFECYCLE_TAG_KEYS = { createdAt: 'CreatedAt', expiresAt: 'ExpiresAt' } as const;

export const COMPONENTS = ['zookeeper', 'bookkeeper', 'broker', 'client'] as const;
export type Component = (typeof COMPONENTS)[number];

/** The default `ManagedBy` value; tools may pass their own (e.g. `lab-ami`, `terraform`). */
export const DEFAULT_MANAGED_BY = 'pulsar-aws-lab';

/** AWS's limits for user-defined tags (EC2, IAM, S3 share them). */
export const TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxValueLength: 256 } as const;

/** The AWS SDK's tag shape. */
export interface Tag {
  Key: string;
  Value: string;
}

export type TagMap = Record<string, string>;

// AWS allows letters, numbers, spaces and `_ . : / = + - @` in keys and values.
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_PREFIX = /^aws:/i;

const codePoints = (text: string): number => [...text].length;

/** Every reason AWS would reject `tags`; an empty list means they are valid. */
export function tagIssues(tags: TagMap | readonly Tag[]): ValidationIssue[] {
  const entries = Array.isArray(tags)
    ? (tags as readonly Tag[]).map((tag) => [tag.Key, tag.Value] as const)
    : Object.entries(tags as TagMap);
  const issues: ValidationIssue[] = [];
  if (entries.length > TAG_LIMITS.maxTags) {
    issues.push({
      path: '',
      message: 'too many tags',
      expected: `at most ${TAG_LIMITS.maxTags}`,
      received: String(entries.length),
    });
  }
  const seen = new Map<string, string>();
  for (const [key, value] of entries) {
    const path = `tags.${key}`;
    const keyLength = codePoints(key);
    if (keyLength < 1 || keyLength > TAG_LIMITS.maxKeyLength) {
      issues.push({
        path,
        message: 'tag key has the wrong length',
        expected: `1 to ${TAG_LIMITS.maxKeyLength} characters`,
        received: `${keyLength}`,
      });
    }
    if (RESERVED_PREFIX.test(key)) {
      issues.push({ path, message: 'the "aws:" prefix is reserved for AWS', received: key });
    }
    if (!ALLOWED.test(key)) {
      issues.push({
        path,
        message: 'tag key contains a character AWS does not allow',
        expected: 'letters, digits, spaces and _ . : / = + - @',
        received: JSON.stringify(key),
      });
    }
    if (typeof value !== 'string') {
      issues.push({ path, message: 'tag value must be a string', received: typeof value });
      continue;
    }
    if (codePoints(value) > TAG_LIMITS.maxValueLength) {
      issues.push({
        path,
        message: 'tag value is too long',
        expected: `at most ${TAG_LIMITS.maxValueLength} characters`,
        received: `${codePoints(value)}`,
      });
    }
    if (!ALLOWED.test(value)) {
      issues.push({
        path,
        message: 'tag value contains a character AWS does not allow',
        expected: 'letters, digits, spaces and _ . : / = + - @',
        received: JSON.stringify(value),
      });
    }
    // IAM treats keys case-insensitively, so `Owner` and `owner` collide there.
    const folded = key.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      issues.push({ path, message: `duplicate tag key (same as "${earlier}" ignoring case)` });
    }
    seen.set(folded, key);
  }
  return issues;
}

/** Throws a ValidationError listing every problem when AWS would reject `tags`. */
export function assertValidTags(tags: TagMap | readonly Tag[], what = 'tags'): void {
  const issues = tagIssues(tags);
  if (issues.length > 0) {
    throw new ValidationError(`Invalid ${what}: ${issues.length} problem(s)`, issues, {
      hint: 'AWS tags: keys 1–128 characters, values up to 256, letters, digits, spaces and _ . : / = + - @, no "aws:" prefix, at most 50 tags',
    });
  }
}

export interface LabTagOptions {
  experimentId: string;
  component?: Component;
  managedBy?: string;
  /** The user's own tags; they may not redefine the lab's keys. */
  userTags?: TagMap;
}

/**
 * The full tag set for a resource of an experiment: the lab's four tags plus the user's.
 * Validated as AWS would, so a bad tag fails here rather than half-way through a deployment.
 */
export function labTags(options: LabTagOptions): TagMap {
  const userTags = options.userTags ?? {};
  const reserved = new Set(
    [...Object.values(TAG_KEYS), ...Object.values(LIFECYCLE_TAG_KEYS)].map((key) => key.toLowerCase()),
  );
  const clashes: ValidationIssue[] = Object.keys(userTags)
    .filter((key) => reserved.has(key.toLowerCase()))
    .map((key) => ({
      path: `tags.${key}`,
      message: 'this tag key is set by the lab and cannot be overridden',
    }));
  if (clashes.length > 0) {
    throw new ValidationError('User tags redefine tags the lab owns', clashes, {
      hint: `Remove ${clashes.map((issue) => issue.path.slice('tags.'.length)).join(', ')} from your tags`,
    });
  }
  const tags: TagMap = {
    [TAG_KEYS.project]: PROJECT,
    [TAG_KEYS.experimentId]: options.experimentId,
    ...(options.component === undefined ? {} : { [TAG_KEYS.component]: options.component }),
    [TAG_KEYS.managedBy]: options.managedBy ?? DEFAULT_MANAGED_BY,
    ...userTags,
  };
  assertValidTags(tags);
  return tags;
}

export function toAwsTags(tags: TagMap): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Converts the SDK's optional-field tag lists to a map, ignoring entries without a key. */
export function fromAwsTags(
  tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }> | undefined,
): TagMap {
  const map: TagMap = {};
  for (const tag of tags ?? []) {
    if (tag.Key !== undefined) map[tag.Key] = tag.Value ?? '';
  }
  return map;
}

/** True when `tags` mark a resource of `experimentId` in this project, compared exactly. */
export function belongsToExperiment(tags: TagMap, experimentId: string): boolean {
  return tags[TAG_KEYS.project] === PROJECT && tags[TAG_KEYS.experimentId] === experimentId;
}

export function isComponent(value: string): value is Component {
  return (COMPONENTS as readonly string[]).includes(value);
}
