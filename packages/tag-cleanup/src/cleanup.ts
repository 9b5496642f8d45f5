import type { BackoffSchedule } from '@lab/backoff';
import {
  type Clock,
  createEmitter,
  type EventSink,
  LabError,
  type Sleep,
  systemClock,
  TAG_KEYS,
  ValidationError,
} from '@lab/core';
import {
  type Deleter,
  type ExecutionResult,
  executePlan,
  type RemainingResource,
  SOURCE,
} from './execute.js';
import {
  type DiscoveryProblem,
  type DiscoveryResult,
  RESOURCE_TYPES,
  type Resource,
  type ResourceType,
  resourceKey,
} from './model.js';
import { buildPlan, type Plan, type PlanOptions } from './plan.js';
import { assertSelector, decideSweep, matchesSelector, type Selector, type SweepDecision } from './select.js';

export interface DiscoverRequest {
  selector: Selector;
  regions: readonly string[];
  /** Types to list; the others are not looked at. */
  types: readonly ResourceType[];
  signal?: AbortSignal | undefined;
}

/** Where resources come from and how they are deleted: `createAwsProvider` from `@lab/tag-cleanup/aws`, or a fake. */
export interface CleanupProvider {
  /** Lists the resources that carry the selector's tags; must report, not hide, what it could not list. */
  discover(request: DiscoverRequest): Promise<DiscoveryResult>;
  deleter: Deleter;
  /** The account the credentials belong to (for `allowedAccounts`). */
  accountId?(signal?: AbortSignal): Promise<string>;
}

export interface CleanupOptions {
  provider: CleanupProvider;
  selector: Selector;
  /** Regions to look in; IAM and S3 are account-wide and always looked at. */
  regions: readonly string[];
  /** Delete (true) or only plan (false, the default: a dry run). */
  execute?: boolean;
  /** Called with the plan before anything is deleted; throw to stop (e.g. the user said no). */
  confirm?: (plan: Plan) => Promise<void>;
  /** Refuse to run unless the credentials belong to one of these account ids. */
  allowedAccounts?: readonly string[];
  /** Resource types to leave alone (neither listed nor deleted); reported in the result. */
  excludeTypes?: readonly ResourceType[];
  /** Overall time limit for execution and its waits. Default 30 minutes. */
  timeoutMs?: number;
  planOptions?: PlanOptions;
  maxIdleRounds?: number;
  roundDelay?: BackoffSchedule;
  maxBatch?: number;
  parallel?: boolean;
  signal?: AbortSignal;
  events?: EventSink;
  clock?: Clock;
  sleep?: Sleep;
}

export interface CleanupResult {
  mode: 'dry-run' | 'execute';
  selector: Selector;
  regions: string[];
  accountId?: string;
  excludedTypes: ResourceType[];
  /** For sweeps: what was decided about each experiment found. */
  sweep?: SweepDecision[];
  plan: Plan;
  /** Listing failures, initial and at verification; any of them makes the result incomplete. */
  problems: DiscoveryProblem[];
  execution?: ExecutionResult;
  /** Selected resources that still exist after execution (found by discovering again). */
  remaining: RemainingResource[];
  /** True when everything selected is verifiably gone (or, for a dry run, the listing was complete). */
  complete: boolean;
}

export const DEFAULT_TIMEOUT_MS = 30 * 60_000;
const ACCOUNT_ID = /^\d{12}$/;

/** Thrown by `assertComplete`: the run finished but something is left (exit code 3 in the CLIs). */
export class CleanupIncompleteError extends LabError {
  readonly remaining: readonly RemainingResource[];
  readonly problems: readonly DiscoveryProblem[];

  constructor(result: CleanupResult) {
    const parts = [
      result.remaining.length > 0 ? `${result.remaining.length} resource(s) remain` : '',
      result.problems.length > 0 ? `${result.problems.length} listing(s) failed` : '',
    ].filter((part) => part !== '');
    super('INCOMPLETE', `Cleanup incomplete: ${parts.join(', ')}`, {
      hint: 'Fix the errors shown for each resource (or wait for AWS) and run the same command again; it continues where this run stopped.',
      details: {
        remaining: result.remaining.map((entry) => ({
          type: entry.resource.type,
          id: entry.resource.id,
          region: entry.resource.region,
          lastError: entry.message,
        })),
        problems: result.problems.map((problem) => ({
          type: problem.type,
          region: problem.region,
          message: problem.message,
        })),
      },
    });
    this.remaining = result.remaining;
    this.problems = result.problems;
  }
}

/** Throws CleanupIncompleteError (code `INCOMPLETE`) unless `result.complete`. */
export function assertComplete(result: CleanupResult): void {
  if (!result.complete) throw new CleanupIncompleteError(result);
}

/**
 * Finds an experiment's resources by tag, plans their deletion, and — with `execute` — deletes
 * them in dependency order, then discovers again and reports whatever remains.
 */
export async function cleanup(options: CleanupOptions): Promise<CleanupResult> {
  const clock = options.clock ?? systemClock;
  const emitter = createEmitter({ source: SOURCE, sink: options.events, clock });
  const selector = assertSelector(options.selector);
  const regions = [...new Set(options.regions)];
  if (regions.length === 0) {
    throw new ValidationError('No region to clean up', [
      { path: 'regions', message: 'at least one region is needed', expected: 'e.g. eu-west-1' },
    ]);
  }
  const excludedTypes = [...new Set(options.excludeTypes ?? [])];
  const types = RESOURCE_TYPES.filter((type) => !excludedTypes.includes(type));
  const accountId = await checkAccount(options);

  emitter.emit('discover.started', `Looking for ${describeSelector(selector)} in ${regions.join(', ')}`, {
    regions,
  });
  const initial = await options.provider.discover({ selector, regions, types, signal: options.signal });
  let resources = initial.resources.filter((resource) => matchesSelector(resource.tags, selector));
  let sweep: SweepDecision[] | undefined;
  let sweepIds: Set<string> | undefined;
  if (selector.kind === 'sweep') {
    sweep = decideSweep(resources, { olderThanMs: selector.olderThanMs, clock });
    sweepIds = new Set(
      sweep.filter((decision) => decision.selected).map((decision) => decision.experimentId),
    );
    for (const decision of sweep) {
      emitter.emit(
        'sweep.decision',
        `${decision.experimentId}: ${decision.selected ? 'selected' : 'kept'} — ${decision.reason}`,
        { ...decision },
      );
    }
    const chosen = sweepIds;
    resources = resources.filter((resource) => chosen.has(resource.tags[TAG_KEYS.experimentId]!));
  }
  const plan = buildPlan(resources, options.planOptions);
  for (const problem of initial.problems) {
    emitter.emit(
      'discover.problem',
      `Could not list ${problem.type} in ${problem.region}: ${problem.message}`,
      {
        type: problem.type,
        region: problem.region,
      },
      'warn',
    );
  }
  emitter.emit('plan.ready', `Found ${plan.steps.length} resource(s) in ${plan.levels} level(s)`, {
    resources: plan.steps.length,
    levels: plan.levels,
  });
  const base = {
    selector,
    regions,
    ...(accountId === undefined ? {} : { accountId }),
    excludedTypes,
    ...(sweep === undefined ? {} : { sweep }),
    plan,
  };
  if (options.execute !== true || plan.steps.length === 0) {
    return {
      ...base,
      mode: options.execute === true ? 'execute' : 'dry-run',
      problems: initial.problems,
      remaining: [],
      complete: initial.problems.length === 0,
    };
  }

  await options.confirm?.(plan);
  const deadline = clock.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const execution = await executePlan(plan, options.provider.deleter, {
    deadline,
    ...(options.maxIdleRounds === undefined ? {} : { maxIdleRounds: options.maxIdleRounds }),
    ...(options.roundDelay === undefined ? {} : { roundDelay: options.roundDelay }),
    ...(options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch }),
    ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.events === undefined ? {} : { events: options.events }),
    clock,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });

  emitter.emit('verify.started', 'Verifying: discovering again');
  const verification = await options.provider.discover({ selector, regions, types, signal: options.signal });
  const lastErrors = new Map(execution.remaining.map((entry) => [resourceKey(entry.resource), entry]));
  const planned = new Set(plan.steps.map((step) => step.key));
  const remaining: RemainingResource[] = verification.resources
    .filter((resource) => matchesSelector(resource.tags, selector))
    .filter((resource) => sweepIds === undefined || sweepIds.has(resource.tags[TAG_KEYS.experimentId]!))
    .map((resource: Resource) => {
      const key = resourceKey(resource);
      const known = lastErrors.get(key);
      if (known !== undefined) return { ...known, resource };
      return {
        resource,
        message: planned.has(key)
          ? 'still present although its deletion succeeded (eventual consistency?); run again'
          : 'appeared during cleanup; run again',
      };
    });
  const problems = [...initial.problems, ...verification.problems];
  const complete = remaining.length === 0 && problems.length === 0;
  emitter.emit(
    'verify.finished',
    complete
      ? `Verified: nothing of ${describeSelector(selector)} remains`
      : `${remaining.length} resource(s) remain, ${problems.length} listing problem(s)`,
    { remaining: remaining.length, problems: problems.length },
    complete ? 'info' : 'warn',
  );
  return { ...base, mode: 'execute', execution, problems, remaining, complete };
}

async function checkAccount(options: CleanupOptions): Promise<string | undefined> {
  const allowed = options.allowedAccounts;
  if (allowed === undefined || allowed.length === 0) return undefined;
  const bad = allowed.filter((id) => !ACCOUNT_ID.test(id));
  if (bad.length > 0) {
    throw new ValidationError(
      'Invalid allowed account id(s)',
      bad.map((id) => ({
        path: 'allowedAccounts',
        message: 'not an AWS account id',
        expected: '12 digits',
        received: id,
      })),
    );
  }
  if (options.provider.accountId === undefined) {
    throw new LabError(
      'ACCOUNT_UNKNOWN',
      'An account allow-list was given but the provider cannot tell the account',
    );
  }
  const accountId = await options.provider.accountId(options.signal);
  if (!allowed.includes(accountId)) {
    throw new LabError(
      'ACCOUNT_NOT_ALLOWED',
      `Refusing to run in account ${accountId}: not in the allow-list`,
      {
        hint: `Allowed: ${allowed.join(', ')}. Check --profile / AWS_PROFILE.`,
        details: { accountId, allowed },
      },
    );
  }
  return accountId;
}

export function describeSelector(selector: Selector): string {
  return selector.kind === 'experiment'
    ? `experiment ${selector.experimentId}`
    : `experiments older than ${Math.round(selector.olderThanMs / 60_000)} min`;
}
