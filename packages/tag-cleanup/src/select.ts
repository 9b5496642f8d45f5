import {
  assertExperimentId,
  type Clock,
  LIFECYCLE_TAG_KEYS,
  PROJECT,
  parseExperimentId,
  systemClock,
  TAG_KEYS,
  type TagMap,
  ValidationError,
} from '@lab/core';
import type { Resource } from './model.js';

/** Which resources a cleanup may touch. */
export type Selector =
  | { kind: 'experiment'; experimentId: string }
  | {
      kind: 'sweep';
      /** Experiments older than this (milliseconds) are selected. */
      olderThanMs: number;
    };

/** The tag filters discovery sends to APIs that support them; always includes Project. */
export function selectorTagFilters(selector: Selector): Record<string, string> {
  return selector.kind === 'experiment'
    ? { [TAG_KEYS.project]: PROJECT, [TAG_KEYS.experimentId]: selector.experimentId }
    : { [TAG_KEYS.project]: PROJECT };
}

const WILDCARD = /[*?%[\]{}]/;

/**
 * Refuses selectors that could match more than one experiment by accident: empty or wildcard
 * ids, ids that are not experiment ids, sweeps without a positive age limit.
 */
export function assertSelector(selector: Selector): Selector {
  if (selector.kind === 'experiment') {
    const id = selector.experimentId;
    if (id.trim() === '' || WILDCARD.test(id)) {
      throw new ValidationError('Refusing an empty or wildcard experiment selector', [
        {
          path: 'experimentId',
          message: 'cleanup selects exactly one experiment by its exact ExperimentID tag',
          expected: 'an experiment id such as exp-20261127-031200',
          received: JSON.stringify(id),
        },
      ]);
    }
    assertExperimentId(id);
    return selector;
  }
  if (!Number.isFinite(selector.olderThanMs) || selector.olderThanMs <= 0) {
    throw new ValidationError('A sweep needs a positive age limit', [
      {
        path: 'olderThan',
        message: 'a sweep without an age limit would select running experiments',
        expected: 'a duration such as 6h',
        received: String(selector.olderThanMs),
      },
    ]);
  }
  return selector;
}

/**
 * Whether `tags` are the selected experiment's: Project=pulsar-aws-lab and the exact
 * ExperimentID (for a sweep: Project and any non-empty ExperimentID). Discovery applies this to
 * everything, also to what an API's tag filter already returned.
 */
export function matchesSelector(tags: TagMap, selector: Selector): boolean {
  if (tags[TAG_KEYS.project] !== PROJECT) return false;
  const experimentId = tags[TAG_KEYS.experimentId];
  if (experimentId === undefined || experimentId === '') return false;
  return selector.kind === 'sweep' || experimentId === selector.experimentId;
}

/** What a sweep decided about one experiment. */
export interface SweepDecision {
  experimentId: string;
  selected: boolean;
  /** Why, in words: `expired at …`, `created 7 h ago`, `no age information`, `skipped: …`. */
  reason: string;
  /** Why an experiment old enough to go was left alone now (`holdExperiment`). */
  held?: string;
  createdAt?: Date;
  expiresAt?: Date;
  resources: number;
}

export interface SweepOptions {
  olderThanMs: number;
  clock?: Clock;
}

const parseTime = (value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
};

const earliest = (dates: Array<Date | undefined>): Date | undefined =>
  dates.reduce<Date | undefined>(
    (min, date) => (date !== undefined && (min === undefined || date < min) ? date : min),
    undefined,
  );

/**
 * Groups resources by experiment and decides which are past their age. An experiment with an
 * `ExpiresAt` tag is selected once that time has passed; otherwise when it is older than
 * `olderThanMs`, its start taken from the earliest `CreatedAt` tag, else the earliest creation
 * time AWS reports for its resources, else the time in a generated id. Without any of them it is
 * never selected. Only resources of Project=pulsar-aws-lab are considered.
 */
export function decideSweep(resources: readonly Resource[], options: SweepOptions): SweepDecision[] {
  const now = (options.clock ?? systemClock).now();
  const byExperiment = new Map<string, Resource[]>();
  for (const resource of resources) {
    if (!matchesSelector(resource.tags, { kind: 'sweep', olderThanMs: options.olderThanMs })) continue;
    const id = resource.tags[TAG_KEYS.experimentId]!;
    byExperiment.set(id, [...(byExperiment.get(id) ?? []), resource]);
  }
  const decisions: SweepDecision[] = [];
  for (const [experimentId, members] of [...byExperiment].sort(([a], [b]) => a.localeCompare(b))) {
    const expiresAt = earliest(members.map((r) => parseTime(r.tags[LIFECYCLE_TAG_KEYS.expiresAt])));
    const createdAt =
      earliest(members.map((r) => parseTime(r.tags[LIFECYCLE_TAG_KEYS.createdAt]))) ??
      earliest(members.map((r) => r.createdAt)) ??
      parseExperimentId(experimentId)?.createdAt;
    const base = {
      experimentId,
      resources: members.length,
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    if (expiresAt !== undefined) {
      const expired = expiresAt.getTime() <= now;
      decisions.push({
        ...base,
        selected: expired,
        reason: expired ? `expired at ${expiresAt.toISOString()}` : `expires at ${expiresAt.toISOString()}`,
      });
    } else if (createdAt !== undefined) {
      const age = now - createdAt.getTime();
      const hours = (age / 3_600_000).toFixed(1);
      decisions.push({
        ...base,
        selected: age > options.olderThanMs,
        reason: `created ${hours} h ago (${createdAt.toISOString()})`,
      });
    } else {
      decisions.push({ ...base, selected: false, reason: 'no age information (no tag, no creation time)' });
    }
  }
  return decisions;
}
