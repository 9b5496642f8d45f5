import { formatElapsed, formatTable, type StatusView } from '@lab/cli-kit';
import type { LabEvent } from '@lab/core';
import type { ExperimentRow } from '@lab/experiment-store';
import type { RunRecord, ShippedPlan, StatusResult } from '@lab/orchestrator';

/** The `list` table, fitted to `width` (the terminal; undefined keeps full values). */
export function formatExperiments(rows: readonly ExperimentRow[], width?: number): string {
  return `${formatTable(
    rows,
    [
      { header: 'EXPERIMENT', value: (row) => row.id, minWidth: 19 },
      { header: 'NAME', value: (row) => row.name, shrink: true, minWidth: 10 },
      { header: 'STATUS', value: (row) => row.status },
      {
        header: 'AGE',
        value: (row) => (row.ageMs === undefined ? undefined : formatElapsed(row.ageMs)),
        align: 'right',
      },
      {
        header: 'WHERE',
        value: (row) => (row.target === 'local' ? 'this machine' : row.regions.join(',')),
        shrink: true,
        minWidth: 9,
      },
      { header: 'RESOURCES', value: (row) => (row.resourcesMayBeAlive ? 'may be alive' : 'gone') },
      {
        header: 'LOCKED BY',
        value: (row) => (row.lockedBy === undefined ? undefined : `pid ${row.lockedBy.pid}`),
        optional: true,
      },
    ],
    { width },
  )}\n`;
}

/** The `plans` table, fitted to `width`; the estimate's region and scope on the line under it. */
export function formatPlans(plans: readonly ShippedPlan[], width?: number): string {
  const region = plans[0]?.region;
  return `${formatTable(
    plans,
    [
      { header: 'PLAN', value: (plan) => plan.name },
      { header: 'RUNS', value: (plan) => String(plan.runs), align: 'right' },
      { header: 'MINUTES', value: (plan) => String(Math.round(plan.runMinutes)), align: 'right' },
      {
        header: 'ESTIMATE',
        value: (plan) => `US$${plan.estimateUsd.toFixed(2)}${plan.estimateComplete ? '' : '+'}`,
        align: 'right',
      },
      { header: 'DESCRIPTION', value: (plan) => plan.description, shrink: true, minWidth: 20 },
    ],
    { width },
  )}\n${region === undefined ? '' : `Estimate: a whole experiment (setup, the runs, teardown) on the default infrastructure in ${region}, on-demand; + means incomplete. Use: lab-orchestrate full --test-plan <PLAN>\n`}`;
}

/** The `status` view: phases, runs, outcome, live resources; tables fitted to `width`. */
export function formatStatus(result: StatusResult, width?: number): string {
  const { manifest, row, resources } = result;
  const lines = [
    `${manifest.id}  ${manifest.name}  ${row.status}  (${manifest.target === 'local' ? 'on this machine (--target local)' : `on AWS in ${manifest.regions.join(', ')}`}, created ${manifest.createdAt})`,
    '',
    formatTable(
      Object.entries(manifest.phases),
      [
        { header: 'PHASE', value: ([name]) => name },
        { header: 'STATUS', value: ([, phase]) => phase.status },
        { header: 'STARTED', value: ([, phase]) => phase.startedAt },
        { header: 'ENDED', value: ([, phase]) => phase.endedAt },
        {
          header: 'ERROR',
          value: ([, phase]) => phase.error?.message.split('\n')[0],
          shrink: true,
          minWidth: 12,
        },
      ],
      { width },
    ),
  ];
  const runs = (Array.isArray(manifest.details.runs) ? manifest.details.runs : []) as RunRecord[];
  if (runs.length > 0) {
    lines.push(
      '',
      formatTable(
        runs,
        [
          { header: 'RUN', value: (record) => record.id },
          { header: 'STATUS', value: (record) => record.status },
          { header: 'TARGET', value: (record) => record.targetRate, align: 'right' },
          {
            header: 'ACHIEVED',
            value: (record) =>
              record.achievedRate === undefined ? undefined : Math.round(record.achievedRate),
            align: 'right',
          },
          { header: 'NOTE', value: (record) => record.reason, shrink: true, minWidth: 12 },
        ],
        { width },
      ),
    );
  }
  if (manifest.outcome !== null) {
    lines.push(
      '',
      `Outcome: ${manifest.outcome.result}${manifest.outcome.message === undefined ? '' : ` — ${manifest.outcome.message}`}`,
    );
  }
  if (resources === undefined) {
    lines.push('', `Resources: ${row.resourcesMayBeAlive ? 'may be alive (not checked)' : 'gone'}`);
  } else if (resources.error !== undefined) {
    lines.push('', `Resources: could not check by tag: ${resources.error}`);
  } else if (resources.remaining.length === 0) {
    lines.push(
      '',
      `Resources: none alive (checked by tag${resources.problems.length > 0 ? ', with listing problems' : ''})`,
    );
  } else {
    lines.push(
      '',
      `Resources still alive (by tag): ${resources.remaining.length}`,
      ...resources.remaining.map((resource) => `  ${resource.region}  ${resource.type}  ${resource.id}`),
    );
  }
  for (const problem of resources?.problems ?? []) {
    lines.push(`  could not list ${problem.type} in ${problem.region}: ${problem.message}`);
  }
  return `${lines.join('\n')}\n`;
}

const ORCHESTRATOR = '@lab/orchestrator';
const CASCADE = '@lab/health-cascade';

/**
 * The live line while OMB runs: the run, its elapsed and expected time (warm-up + duration),
 * and the rate it achieved at the last poll — `001-fixed-1k 1m40s of 3m · 998 msg/s`.
 */
export function ombRunView(): StatusView {
  let run: { id: string; startedAt: number; expectedMs: number; rate?: number; state?: string } | undefined;
  return {
    observe(event: LabEvent, now: number) {
      if (event.source !== ORCHESTRATOR) return;
      const data = event.data ?? {};
      if (event.type === 'run.started') {
        const progress = data.progress as { total?: number } | undefined;
        run = { id: String(data.run), startedAt: now, expectedMs: (progress?.total ?? 0) * 60_000 };
      } else if (event.type === 'run.progress' && run !== undefined && data.run === run.id) {
        if (typeof data.publishRate === 'number') run.rate = data.publishRate;
        if (typeof data.state === 'string') run.state = data.state;
      } else if (/^run\.(succeeded|failed|stopped|finished)$/.test(event.type)) {
        run = undefined;
      }
    },
    describe(now: number) {
      if (run === undefined) return undefined;
      const elapsed = `${run.id} ${formatElapsed(now - run.startedAt)} of ${formatElapsed(run.expectedMs)}`;
      if (run.rate !== undefined) return `${elapsed} · ${Math.round(run.rate)} msg/s`;
      return run.state === undefined ? elapsed : `${elapsed} · ${run.state}`;
    },
    reset() {
      run = undefined;
    },
  };
}

/** How many waited-for hosts the live line names before `+N more`. */
const NAMED_HOSTS = 4;

/**
 * The live line during the health cascade: the stage, how many hosts passed it, and the hosts it
 * still waits for — `SSM online 7/10 · waiting for broker-2, client-1`.
 */
export function cascadeView(): StatusView {
  let stage:
    | {
        name: string;
        label: string;
        total: number;
        done: number;
        hosts: Map<string, { name: string; ready: boolean }>;
      }
    | undefined;
  return {
    observe(event: LabEvent) {
      if (event.source !== CASCADE) return;
      const data = event.data ?? {};
      const progress = data.progress as { done: number; total: number; label?: string } | undefined;
      if (event.type === 'cascade.stage.started') {
        stage = {
          name: String(data.stage),
          label: progress?.label ?? String(data.stage),
          total: progress?.total ?? Number(data.targets),
          done: progress?.done ?? 0,
          hosts: new Map(),
        };
        return;
      }
      if (stage === undefined || data.stage !== stage.name) return;
      if (progress !== undefined) stage.done = progress.done;
      if (event.type === 'cascade.stage.target') {
        const id = String(data.target);
        stage.hosts.set(id, {
          name: typeof data.label === 'string' ? data.label : id,
          ready: data.ready === true,
        });
      } else if (/^cascade\.stage\.(passed|failed|aborted)$/.test(event.type)) {
        stage = undefined;
      }
    },
    describe() {
      if (stage === undefined) return undefined;
      const counted = `${stage.label} ${stage.done}/${stage.total}`;
      if (stage.hosts.size === 0) return `${counted} · first check`;
      const waiting = [...stage.hosts.values()].filter((host) => !host.ready).map((host) => host.name);
      if (waiting.length === 0) return counted;
      const named = waiting.slice(0, NAMED_HOSTS).join(', ');
      return `${counted} · waiting for ${named}${waiting.length > NAMED_HOSTS ? ` +${waiting.length - NAMED_HOSTS} more` : ''}`;
    },
    reset() {
      stage = undefined;
    },
  };
}

/** What the live line of `lab-orchestrate` shows of long work. */
export function lifecycleViews(): StatusView[] {
  return [cascadeView(), ombRunView()];
}
