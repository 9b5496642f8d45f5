import { formatTable, type Palette } from '@lab/cli-kit';
import {
  type CleanupResult,
  describeSelector,
  type KeptResource,
  type Plan,
  planRows,
  type RemainingResource,
} from '@lab/tag-cleanup';

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

export function planTable(plan: Plan): string | undefined {
  if (plan.steps.length === 0) return undefined;
  return formatTable(planRows(plan), [
    { header: 'type', value: (row) => row.type },
    { header: 'id', value: (row) => row.id },
    { header: 'region', value: (row) => row.region },
    { header: 'name', value: (row) => row.name },
    { header: 'waits for', value: (row) => row.waitsFor },
  ]);
}

/** Resources that remain (or, in a dry run, would be kept), one row each with why. */
export function remainingTable(entries: readonly RemainingResource[]): string {
  return formatTable(
    [...entries],
    [
      { header: 'type', value: (entry) => entry.resource.type },
      { header: 'id', value: (entry) => entry.resource.id },
      { header: 'region', value: (entry) => entry.resource.region },
      { header: 'why it remains', value: why },
    ],
  );
}

/** The closing lines for a person: what was done, and what was not, and why. */
export function closingLines(result: CleanupResult, palette: Palette): string[] {
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
    if (kept.length > 0) lines.push(remainingTable(kept));
    if (result.plan.steps.length === 0 && kept.length === 0) {
      lines.push('Nothing to delete: no resource carries these tags.');
    } else {
      lines.push(
        `Dry run: nothing was deleted. ${result.plan.steps.length} resource(s) would be deleted${kept.length > 0 ? `, ${kept.length} kept (listed above)` : ''}; add --execute to delete them.`,
      );
    }
    return lines;
  }
  if (result.remaining.length > 0) lines.push(remainingTable(result.remaining));
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
