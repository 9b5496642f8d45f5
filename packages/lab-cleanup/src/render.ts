import { type Column, formatTable, type Palette, type StatusView } from '@lab/cli-kit';
import type { LabEvent } from '@lab/core';
import {
  type CleanupResult,
  describeSelector,
  type KeptResource,
  type Plan,
  type PlanRow,
  planRows,
  type RemainingResource,
} from '@lab/tag-cleanup';

const SOURCE = '@lab/tag-cleanup';

/** The longest EC2 id (`eipalloc-` and 17 hex digits) stays whole; IAM names and ARNs may be cut. */
const ID_WIDTH = 26;

/** Why a resource was kept, in the words of this command's flags. */
export function keptWhy(kept: Omit<KeptResource, 'resource' | 'message'>): string {
  switch (kept.reason) {
    case 'image-not-included':
      return 'kept: pass --include-amis to deregister it';
    case 'snapshot-of-kept-image':
      return `kept: belongs to image ${kept.imageId}; pass --include-amis`;
    case 'snapshot-in-use':
      return `kept: in use by image ${kept.imageId}, which is not this experiment's`;
  }
}

const why = (entry: RemainingResource) => (entry.kept === undefined ? entry.message : keptWhy(entry.kept));

const planColumns: Column<PlanRow>[] = [
  { header: 'type', value: (row) => row.type },
  { header: 'id', value: (row) => row.id, minWidth: ID_WIDTH },
  { header: 'region', value: (row) => row.region },
  { header: 'name', value: (row) => row.name, shrink: true, minWidth: 8 },
  { header: 'waits for', value: (row) => row.waitsFor, shrink: true, minWidth: 12 },
];

const remainingColumns: Column<RemainingResource>[] = [
  { header: 'type', value: (entry) => entry.resource.type },
  { header: 'id', value: (entry) => entry.resource.id, minWidth: ID_WIDTH },
  { header: 'region', value: (entry) => entry.resource.region },
  { header: 'why it remains', value: why, shrink: true, minWidth: 20 },
];

/**
 * The plan as a table fitted to `width` (the terminal; undefined keeps full values): ids stay
 * whole, names and dependencies give up room first.
 */
export function planTable(plan: Plan, width: number | undefined): string | undefined {
  if (plan.steps.length === 0) return undefined;
  return formatTable(planRows(plan), planColumns, { width });
}

/** Resources that remain (or, in a dry run, would be kept), one row each with why, fitted like the plan. */
export function remainingTable(entries: readonly RemainingResource[], width: number | undefined): string {
  return formatTable([...entries], remainingColumns, { width });
}

/** The closing lines for a person: what was done, and what was not, and why. */
export function closingLines(result: CleanupResult, palette: Palette, width: number | undefined): string[] {
  const lines: string[] = [];
  const kept = result.kept.map(({ resource, message, ...reason }) => ({ resource, message, kept: reason }));
  const skipped = (result.sweep ?? []).filter((decision) => decision.held !== undefined);
  for (const decision of skipped) {
    lines.push(
      palette.yellow(
        `Skipped ${decision.experimentId}: ${decision.held}; run the sweep again once it has finished.`,
      ),
    );
  }
  if (result.excludedTypes.length > 0) {
    lines.push(palette.dim(`Not looked at, as asked: ${result.excludedTypes.join(', ')}`));
  }
  if (result.mode === 'dry-run') {
    if (kept.length > 0) lines.push(remainingTable(kept, width));
    if (result.plan.steps.length === 0 && kept.length === 0) {
      lines.push('Nothing to delete: no resource carries these tags.');
    } else {
      lines.push(
        `Dry run: nothing was deleted. ${result.plan.steps.length} resource(s) would be deleted${kept.length > 0 ? `, ${kept.length} kept (listed above)` : ''}; add --execute to delete them.`,
      );
    }
    return lines;
  }
  if (result.remaining.length > 0) lines.push(remainingTable(result.remaining, width));
  const deleted = result.execution?.deleted.length ?? 0;
  if (result.complete) {
    lines.push(
      palette.green(
        deleted === 0
          ? `Nothing to delete: verified that nothing of ${describeSelector(result.selector)} remains.`
          : `Deleted ${deleted} resource(s); verified that nothing of ${describeSelector(result.selector)} remains.`,
      ),
    );
  } else if (result.problems.length > 0) {
    lines.push(
      `Not verified: ${result.problems.length} listing(s) failed (${result.problems.map((problem) => `${problem.type} in ${problem.region}`).join(', ')}).`,
    );
  }
  return lines;
}

/** The `result` of `--json`: plain data. */
export function summary(result: CleanupResult): Record<string, unknown> {
  const place = (resource: { type: string; id: string; region: string }) => ({
    type: resource.type,
    id: resource.id,
    region: resource.region,
  });
  return {
    mode: result.mode,
    selector: result.selector,
    regions: result.regions,
    ...(result.accountId === undefined ? {} : { accountId: result.accountId }),
    excludedTypes: result.excludedTypes,
    ...(result.sweep === undefined ? {} : { sweep: result.sweep }),
    plan: planRows(result.plan),
    kept: result.kept.map((entry) => ({
      ...place(entry.resource),
      reason: entry.reason,
      ...(entry.imageId === undefined ? {} : { imageId: entry.imageId }),
      message: keptWhy(entry),
    })),
    deleted: (result.execution?.deleted ?? []).map(place),
    remaining: result.remaining.map((entry) => ({
      ...place(entry.resource),
      lastError: why(entry),
      ...(entry.kept === undefined ? {} : { kept: entry.kept.reason }),
    })),
    problems: result.problems.map((problem) => ({
      type: problem.type,
      region: problem.region,
      message: problem.message,
    })),
    complete: result.complete,
  };
}

/**
 * The live line while deleting: the round, how many of all are deleted (and how many in this
 * round), and what happened last — `round 2 · 14/23 deleted, 3 this round · Deleted: subnet …`.
 */
export function cleanupView(): StatusView {
  let round: number | undefined;
  let total = 0;
  let deleted = 0;
  let deletedBefore = 0;
  let last: string | undefined;
  return {
    observe(event: LabEvent) {
      if (event.source !== SOURCE) return;
      const data = event.data ?? {};
      if (event.type === 'execute.round.started') {
        round = Number(data.round);
        if (round === 1) total = Number(data.remaining);
        deletedBefore = deleted;
        last = event.message;
      } else if (event.type === 'execute.resource.deleted') {
        const progress = data.progress as { done: number; total: number } | undefined;
        if (progress !== undefined) ({ done: deleted, total } = progress);
        last = event.message;
      } else if (event.type === 'execute.resource.failed') {
        last = event.message;
      } else if (event.type === 'execute.finished') {
        round = undefined;
      }
    },
    describe() {
      if (round === undefined) return undefined;
      const thisRound = deleted - deletedBefore;
      return `round ${round} · ${deleted}/${total} deleted${thisRound > 0 ? `, ${thisRound} this round` : ''}${last === undefined ? '' : ` · ${last}`}`;
    },
    reset() {
      round = undefined;
      last = undefined;
    },
  };
}
