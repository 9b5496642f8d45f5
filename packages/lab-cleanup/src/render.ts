import { type Column, formatTable, type StatusView } from '@lab/cli-kit';
import type { LabEvent } from '@lab/core';
import { type Plan, type PlanRow, planRows, type RemainingResource } from '@lab/tag-cleanup';

const SOURCE = '@lab/tag-cleanup';

/** The longest EC2 id (`eipalloc-` and 17 hex digits) stays whole; IAM names and ARNs may be cut. */
const ID_WIDTH = 26;

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
  { header: 'last error', value: (entry) => entry.message, shrink: true, minWidth: 20 },
];

/**
 * The plan as a table fitted to `width` (the terminal; undefined keeps full values): ids stay
 * whole, names and dependencies give up room first.
 */
export function formatPlan(plan: Plan, width: number | undefined): string {
  return formatTable(planRows(plan), planColumns, { width });
}

/** What could not be deleted, with the last error of each, fitted like the plan. */
export function formatRemaining(remaining: readonly RemainingResource[], width: number | undefined): string {
  return formatTable(remaining, remainingColumns, { width });
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
