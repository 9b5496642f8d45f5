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
import { checkAccount } from './account.js';
import { type Deleter, type ExecutionResult, type RemainingResource, SOURCE } from './execute.js';
import { type KeptResource, keptAsRemaining, partitionKept } from './keep.js';
import { type DiscoveryProblem, type DiscoveryResult, RESOURCE_TYPES, type ResourceType } from './model.js';
import { buildPlan, type Plan, type PlanOptions } from './plan.js';
import { assertSelector, decideSweep, matchesSelector, type Selector, type SweepDecision } from './select.js';
import { DEFAULT_TIMEOUT_MS, executeAndVerify } from './verify.js';

export { DEFAULT_TIMEOUT_MS };

export interface DiscoverRequest {
  selector: Selector;
  regions: readonly string[];
  /** Types to list; the others are not looked at. */
  types: readonly ResourceType[];
  /**
   * Whether images will be deleted: then the untagged snapshots of the experiment's images are
   * looked up too (they go with the image). Default false.
   */
  includeImages?: boolean;
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
  /**
   * Also deregister the experiment's images and delete their snapshots. Default false: images,
   * and the snapshots they use, are found and reported as kept (the result is then not
   * complete); snapshots that belong to no image are deleted either way.
   */
  includeImages?: boolean;
  /** Called with the plan before anything is deleted; throw to stop (e.g. the user said no). */
  confirm?: (plan: Plan) => Promise<void>;
  /** Refuse to run unless the credentials belong to one of these account ids. */
  allowedAccounts?: readonly string[];
  /** Resource types to leave alone (neither listed nor deleted); reported in the result. */
  excludeTypes?: readonly ResourceType[];
  /**
   * Sweeps only: why an experiment must be left alone now (e.g. a live process holds its lock),
   * or undefined. An experiment it names is kept, with that reason, whatever its age.
   */
  holdExperiment?: (experimentId: string) => Promise<string | undefined>;
  /** Overall time limit for execution and its waits. Default 30 minutes. */
  timeoutMs?: number;
  planOptions?: PlanOptions;
  maxIdleRounds?: number;
  roundDelay?: BackoffSchedule;
  /**
   * Execute-and-verify passes at most (default 5). Another pass runs when verification still
   * lists planned resources whose deletion succeeded (eventual consistency) or that were never
   * attempted; each pass deletes only what was in the confirmed plan.
   */
  maxPasses?: number;
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
  /** Resources of the selection left alone on purpose, with why (found by the last listing). */
  kept: KeptResource[];
  /**
   * Listing failures: of the last listing (the verification, or a dry run's only one). Any of
   * them makes the result incomplete: that type was not verified.
   */
  problems: DiscoveryProblem[];
  execution?: ExecutionResult;
  /**
   * Everything selected that the final listing still finds, with its last error or why it is
   * kept (`kept` set). Empty in a dry run.
   */
  remaining: RemainingResource[];
  /**
   * Executed: true only when the final listing of every type looked at found nothing of the
   * selection (nothing remains, nothing kept) and every listing succeeded. Dry run: true when
   * every listing succeeded.
   */
  complete: boolean;
}

/** Thrown by `assertComplete`: the run finished but something is left (exit code 3 in the CLIs). */
export class CleanupIncompleteError extends LabError {
  readonly remaining: readonly RemainingResource[];
  readonly problems: readonly DiscoveryProblem[];

  constructor(result: CleanupResult) {
    const kept = result.remaining.filter((entry) => entry.kept !== undefined).length;
    const parts = [
      result.remaining.length > 0
        ? `${result.remaining.length} resource(s) remain${kept > 0 ? ` (${kept} kept on purpose)` : ''}`
        : '',
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
          ...(entry.kept === undefined ? {} : { kept: entry.kept.reason }),
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
 * them in dependency order, then discovers again and reports whatever remains or was kept.
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
  const accountId = await checkAccount(options.allowedAccounts, options.provider.accountId, options.signal);
  const includeImages = options.includeImages === true;
  const discover = () =>
    options.provider.discover({ selector, regions, types, includeImages, signal: options.signal });

  emitter.emit('discover.started', `Looking for ${describeSelector(selector)} in ${regions.join(', ')}`, {
    regions,
  });
  const initial = await discover();
  const { sweep, inScope } = await decideScope(initial, selector, options, emitter.emit.bind(emitter));
  const { toDelete, kept } = partitionKept(initial.resources.filter(inScope), { includeImages });
  const plan = buildPlan(toDelete, options.planOptions);
  for (const problem of initial.problems) {
    emitter.emit(
      'discover.problem',
      `Could not list ${problem.type} in ${problem.region}: ${problem.message}`,
      { type: problem.type, region: problem.region },
      'warn',
    );
  }
  emitter.emit(
    'plan.ready',
    `Found ${plan.steps.length} resource(s) to delete in ${plan.levels} level(s)${kept.length > 0 ? `; ${kept.length} kept` : ''}`,
    { resources: plan.steps.length, levels: plan.levels, kept: kept.length },
  );
  const base = {
    selector,
    regions,
    ...(accountId === undefined ? {} : { accountId }),
    excludedTypes,
    ...(sweep === undefined ? {} : { sweep }),
    plan,
  };
  if (options.execute !== true) {
    return {
      ...base,
      mode: 'dry-run',
      kept,
      problems: initial.problems,
      remaining: [],
      complete: initial.problems.length === 0,
    };
  }
  if (plan.steps.length === 0) {
    // Nothing to delete: the first listing is also the last one.
    const remaining = keptAsRemaining(kept);
    const complete = remaining.length === 0 && initial.problems.length === 0;
    emitVerified(emitter, selector, excludedTypes, remaining, initial.problems, complete);
    return { ...base, mode: 'execute', kept, problems: initial.problems, remaining, complete };
  }

  await options.confirm?.(plan);
  const outcome = await executeAndVerify({
    plan,
    deleter: options.provider.deleter,
    discover,
    inScope,
    includeImages,
    options,
    clock,
    emitter,
  });
  const problems = outcome.problems;
  const complete = outcome.remaining.length === 0 && problems.length === 0;
  emitVerified(emitter, selector, excludedTypes, outcome.remaining, problems, complete);
  return {
    ...base,
    mode: 'execute',
    execution: outcome.execution,
    kept: outcome.kept,
    problems,
    remaining: outcome.remaining,
    complete,
  };
}

/** For sweeps: which experiments are in scope (old enough and not held); otherwise the selector. */
async function decideScope(
  initial: DiscoveryResult,
  selector: Selector,
  options: CleanupOptions,
  emit: (type: string, message: string, data?: Record<string, unknown>) => void,
): Promise<{
  sweep?: SweepDecision[];
  inScope: (resource: DiscoveryResult['resources'][number]) => boolean;
}> {
  const matches = (resource: DiscoveryResult['resources'][number]) =>
    matchesSelector(resource.tags, selector);
  if (selector.kind !== 'sweep') return { inScope: matches };
  const sweep = decideSweep(initial.resources.filter(matches), {
    olderThanMs: selector.olderThanMs,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  for (const decision of sweep) {
    if (!decision.selected || options.holdExperiment === undefined) continue;
    const held = await options.holdExperiment(decision.experimentId);
    if (held !== undefined) {
      decision.selected = false;
      decision.held = held;
      decision.reason = `skipped: ${held}`;
    }
  }
  for (const decision of sweep) {
    emit(
      'sweep.decision',
      `${decision.experimentId}: ${decision.selected ? 'selected' : 'kept'} — ${decision.reason}`,
      { ...decision },
    );
  }
  const chosen = new Set(
    sweep.filter((decision) => decision.selected).map((decision) => decision.experimentId),
  );
  return {
    sweep,
    inScope: (resource) => matches(resource) && chosen.has(resource.tags[TAG_KEYS.experimentId]!),
  };
}

function emitVerified(
  emitter: ReturnType<typeof createEmitter>,
  selector: Selector,
  excludedTypes: readonly ResourceType[],
  remaining: readonly RemainingResource[],
  problems: readonly DiscoveryProblem[],
  complete: boolean,
): void {
  const kept = remaining.filter((entry) => entry.kept !== undefined).length;
  const unlooked = excludedTypes.length > 0 ? ` (not looked at, as asked: ${excludedTypes.join(', ')})` : '';
  emitter.emit(
    'verify.finished',
    complete
      ? `Verified: nothing of ${describeSelector(selector)} remains${unlooked}`
      : `${remaining.length} resource(s) of ${describeSelector(selector)} remain${kept > 0 ? ` (${kept} kept)` : ''}, ${problems.length} listing problem(s)`,
    { remaining: remaining.length, kept, problems: problems.length, excludedTypes: [...excludedTypes] },
    complete ? 'info' : 'warn',
  );
}

export function describeSelector(selector: Selector): string {
  return selector.kind === 'experiment'
    ? `experiment ${selector.experimentId}`
    : `experiments older than ${Math.round(selector.olderThanMs / 60_000)} min`;
}
