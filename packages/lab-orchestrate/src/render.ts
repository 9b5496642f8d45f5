import { formatElapsed, formatTable } from '@lab/cli-kit';
import type { ExperimentRow } from '@lab/experiment-store';
import type { RunRecord, StatusResult } from '@lab/orchestrator';

/** The `list` table. */
export function formatExperiments(rows: readonly ExperimentRow[]): string {
  return `${formatTable(rows, [
    { header: 'EXPERIMENT', value: (row) => row.id },
    { header: 'NAME', value: (row) => row.name },
    { header: 'STATUS', value: (row) => row.status },
    {
      header: 'AGE',
      value: (row) => (row.ageMs === undefined ? undefined : formatElapsed(row.ageMs)),
      align: 'right',
    },
    { header: 'REGIONS', value: (row) => row.regions.join(',') },
    { header: 'RESOURCES', value: (row) => (row.resourcesMayBeAlive ? 'may be alive' : 'gone') },
    {
      header: 'LOCKED BY',
      value: (row) => (row.lockedBy === undefined ? undefined : `pid ${row.lockedBy.pid}`),
    },
  ])}\n`;
}

/** The `status` view: phases, runs, outcome, live resources. */
export function formatStatus(result: StatusResult): string {
  const { manifest, row, resources } = result;
  const lines = [
    `${manifest.id}  ${manifest.name}  ${row.status}  (${manifest.regions.join(', ')}, created ${manifest.createdAt})`,
    '',
    formatTable(Object.entries(manifest.phases), [
      { header: 'PHASE', value: ([name]) => name },
      { header: 'STATUS', value: ([, phase]) => phase.status },
      { header: 'STARTED', value: ([, phase]) => phase.startedAt },
      { header: 'ENDED', value: ([, phase]) => phase.endedAt },
      { header: 'ERROR', value: ([, phase]) => phase.error?.message.split('\n')[0] },
    ]),
  ];
  const runs = (Array.isArray(manifest.details.runs) ? manifest.details.runs : []) as RunRecord[];
  if (runs.length > 0) {
    lines.push(
      '',
      formatTable(runs, [
        { header: 'RUN', value: (record) => record.id },
        { header: 'STATUS', value: (record) => record.status },
        { header: 'TARGET', value: (record) => record.targetRate, align: 'right' },
        {
          header: 'ACHIEVED',
          value: (record) =>
            record.achievedRate === undefined ? undefined : Math.round(record.achievedRate),
          align: 'right',
        },
        { header: 'NOTE', value: (record) => record.reason },
      ]),
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
