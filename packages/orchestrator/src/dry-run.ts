import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { withContext } from '@lab/core';
import { formatTerraformVariables } from '@lab/infra';
import { type ExperimentPlan, formatCost } from './plan.js';
import { AMI_PLACEHOLDER } from './variables.js';

/** The lifecycle steps a dry run can describe. */
export type DryRunScope = 'setup' | 'run' | 'teardown' | 'full';

const SCOPE_STEPS: Record<DryRunScope, ReadonlyArray<'setup' | 'run' | 'report' | 'teardown'>> = {
  setup: ['setup'],
  run: ['run'],
  teardown: ['teardown'],
  full: ['setup', 'run', 'report', 'teardown'],
};

/**
 * The files of a dry run by relative path: the printed plan (`plan.txt`), a machine-readable
 * `plan.json`, the configuration with provenance, the Terraform variables and commands, every
 * OMB file, the remote commands of each run, the cleanup plan and the cost estimate.
 */
export function dryRunFiles(plan: ExperimentPlan, scope: DryRunScope = 'full'): Record<string, string> {
  const steps = SCOPE_STEPS[scope];
  const files: Record<string, string> = {};
  files['config/explain.txt'] = `${plan.explain.trimEnd()}\n`;
  files['config/resolved.json'] = `${JSON.stringify(plan.config, null, 2)}\n`;
  if (steps.includes('setup') && plan.local === undefined) {
    files['terraform/terraform.tfvars.json'] = tfvarsText(plan);
    files['terraform/commands.txt'] = `${plan.terraform.commands.join('\n')}\n`;
  }
  if (steps.includes('setup') && plan.local !== undefined)
    files['local/nodes.txt'] = localNodesText(plan.local);
  if (steps.includes('run') || steps.includes('setup')) {
    for (const [path, content] of Object.entries(plan.files)) files[path] = content;
  }
  if (steps.includes('run')) {
    if (plan.runs.length > 0) {
      files['remote/000-tenant.txt'] =
        `# once, on ${plan.hosts.clients[0] ?? 'the first client'}, before the first run: OMB's Pulsar tenant (its workers race to create it)\n${plan.ombTenantScript}\n`;
    }
    for (const entry of plan.runs) files[`remote/${entry.run.id}.txt`] = remoteText(plan, entry);
  }
  files['cleanup.txt'] = cleanupText(plan);
  files['cost.txt'] = formatCost(plan);
  files['plan.json'] = `${JSON.stringify(planSummary(plan, scope), null, 2)}\n`;
  files['plan.txt'] = formatPlan(plan, scope, files);
  return files;
}

/** Writes the dry run's files under `directory`; returns their absolute paths. */
export async function writeDryRun(directory: string, files: Record<string, string>): Promise<string[]> {
  const written: string[] = [];
  try {
    for (const [path, content] of Object.entries(files)) {
      const target = join(directory, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      written.push(target);
    }
  } catch (error) {
    throw withContext(error, `Writing the dry run to ${directory}`);
  }
  return written;
}

/** The human-readable plan: every section, with the generated files inline. */
export function formatPlan(plan: ExperimentPlan, scope: DryRunScope, files: Record<string, string>): string {
  const steps = SCOPE_STEPS[scope];
  const sections: string[] = [];
  const section = (title: string, body: string) => sections.push(`## ${title}\n\n${body.trimEnd()}\n`);
  const file = (path: string) => `--- ${path}\n${files[path] ?? ''}`;

  sections.push(
    `# Dry run: lab-orchestrate ${scope} — ${plan.experimentId}\n\nNothing was created and no AWS API was called. Experiment "${plan.name}" in ${plan.region}; ` +
      `configuration digest ${plan.configDigest}.\n`,
  );
  const remoteVia =
    plan.local === undefined ? 'through SSM Run Command' : 'local commands on the client node';
  section('Configuration (value and where it came from)', files['config/explain.txt'] ?? '');
  if (steps.includes('setup') && plan.local !== undefined) {
    section('Local cluster (--target local)', file('local/nodes.txt'));
  }
  if (steps.includes('setup') && plan.local === undefined) {
    section('AMI', amiText(plan));
    section(
      'Terraform',
      `State, plan and variables of this experiment only, in ${plan.terraform.workDir}.\n\n${file('terraform/commands.txt')}\n${file('terraform/terraform.tfvars.json')}`,
    );
  }
  if (steps.includes('setup')) {
    section(
      'Health cascade',
      plan.cascade
        .map(
          (stage, index) =>
            `${index + 1}. ${stage.name} (timeout ${stage.timeoutMinutes} min): ${stage.checks}`,
        )
        .join('\n'),
    );
  }
  if (steps.includes('run') || steps.includes('setup')) {
    const hostNote = plan.hosts.placeholders
      ? 'Broker and client addresses are placeholders (*.lab.invalid); the real files use the private IPs Terraform reports.'
      : `Brokers ${plan.hosts.brokers.join(', ')}; clients ${plan.hosts.clients.join(', ')}.`;
    const ombFiles = Object.keys(plan.files).map(file);
    section(
      'OMB files',
      `${hostNote} ${plan.distributed ? `Distributed: ${plan.hosts.clients.length} OMB workers (--workers-file).` : 'One client: OMB runs its driver in-process.'}\n\n${ombFiles.join('\n')}`,
    );
  }
  if (steps.includes('run')) {
    section(
      'Runs',
      plan.runs.length === 0
        ? 'No test plan: nothing to run.'
        : plan.runs
            .map(
              ({ run }) =>
                `${run.id}: ${run.type}${run.targetRate === undefined ? ' (max rate search)' : ` at ${run.targetRate} msg/s`}, ` +
                `${run.expectedDurationMinutes} min${run.durationIsEstimate ? ' (estimate)' : ''}, timeout ${run.timeoutMinutes} min` +
                `${run.ramp === undefined ? '' : `, ramp ${run.ramp.group} step ${run.ramp.step + 1}/${run.ramp.steps} (stops at its plateau)`}`,
            )
            .join('\n'),
    );
    section(
      `Remote commands (${remoteVia})`,
      [
        ...(plan.runs.length > 0 ? [file('remote/000-tenant.txt')] : []),
        ...plan.runs.map((entry) => file(`remote/${entry.run.id}.txt`)),
      ].join('\n'),
    );
  }
  if (steps.includes('report')) {
    section(
      'Report',
      "index.html (self-contained), summary.csv and summary.json in the experiment's report/ directory; cost per million messages per run; actual cost from Cost Explorer when the ExperimentID tag is activated.",
    );
  }
  section('Cleanup', files['cleanup.txt'] ?? '');
  section('Cost', files['cost.txt'] ?? '');
  return sections.join('\n');
}

function amiText(plan: ExperimentPlan): string {
  switch (plan.ami.source) {
    case 'config':
      return `${plan.ami.amiId} (infrastructure.amiId)`;
    case 'resolved':
      return `${plan.ami.amiId} (newest lab AMI of Pulsar ${plan.ami.pulsarVersion})`;
    case 'lookup':
      return [
        `Resolved at setup: EC2 DescribeImages (or the listing lab-ami and setup cached in the store's ami-cache/ less than 10 min ago), owner ${plan.ami.filter.owners.join(',')}, name ${plan.ami.filter.name}, ` +
          `tag PulsarVersion=${plan.ami.pulsarVersion}, state ${plan.ami.filter.state}: ${plan.ami.hint}.`,
        `The variables below show ${AMI_PLACEHOLDER} in its place.`,
      ].join('\n');
  }
}

function tfvarsText(plan: ExperimentPlan): string {
  return formatTerraformVariables(plan.terraform.variables);
}

function remoteText(plan: ExperimentPlan, entry: ExperimentPlan['runs'][number]): string {
  const { remote, run, workloadPath } = entry;
  const via = plan.local === undefined ? 'ssm' : 'local copy';
  return [
    `# ${run.id} on ${plan.hosts.clients[0] ?? 'the first client'}; timeout ${run.timeoutMinutes} min`,
    `upload (${via} putFile, sha256-checked): ${workloadPath} -> ${remote.workloadFile}`,
    `upload once per experiment (${via} putFile, sha256-checked): omb/driver.yaml -> ${remote.driverFile}`,
    '# start (returns at once; OMB runs detached):',
    remote.startScript,
    '# poll every 10 s (achieved rate from the log):',
    remote.pollScript,
    '# on timeout or Ctrl-C:',
    remote.stopScript,
    `fetch (${via} fetchFile, sha256-checked): ${remote.resultFile} -> benchmark_results/${run.id}.json (must parse as an OMB result)`,
    `fetch (${via} fetchFile): ${remote.logFile} -> benchmark_results/${run.id}.log`,
    '',
  ].join('\n');
}

function cleanupText(plan: ExperimentPlan): string {
  if (!('terraformDestroy' in plan.cleanup)) {
    return [
      'Teardown, and automatically when setup fails or is interrupted after anything was started:',
      ...plan.cleanup.stop.map((line, index) => `${index + 1}. ${line}`),
      `${plan.cleanup.stop.length + 1}. record the outcome in the manifest`,
      `If anything remains: ${plan.cleanup.labCleanup}`,
      '',
    ].join('\n');
  }
  return [
    'Teardown, and automatically when setup fails or is interrupted after resources may exist:',
    `1. ${plan.cleanup.terraformDestroy}`,
    `2. find what is left by tag alone (${Object.entries(plan.cleanup.tagFilters)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}) in ${plan.region}, delete it, verify nothing remains`,
    '3. record the outcome in the manifest',
    `If anything remains: ${plan.cleanup.labCleanup}`,
    '',
  ].join('\n');
}

/** Where each node of a local cluster lives, and what it runs. */
function localNodesText(local: NonNullable<ExperimentPlan['local']>): string {
  const { image } = local;
  return [
    `Apache Pulsar ${image.pulsarVersion} (packer/scripts/install-pulsar.sh, SHA-512 pinned; ${image.pulsarTarball ?? 'downloaded'}) and OMB ${image.ombCommit} (packer/scripts/install-omb.sh; ${image.ombSource ?? 'from its git repository'}), installed once into ${image.cacheDir}.`,
    'Each node: a root directory (its /), an address of 127.0.0.0/8, lab-bootstrap with its cluster document, services from the units under lab-systemctl; no root needed.',
    '',
    ...local.nodes.map(
      (node) => `${node.name.padEnd(14)} ${node.address.padEnd(15)} ${node.unit.padEnd(22)} ${node.root}`,
    ),
    `OMB workers: ${local.ombWorkers.map((ports, index) => `client-${index + 1} ports ${ports.port}/${ports.stats_port}`).join(', ')} (they bind every address)`,
    '',
  ].join('\n');
}

function planSummary(plan: ExperimentPlan, scope: DryRunScope) {
  return {
    scope,
    target: plan.target,
    experimentId: plan.experimentId,
    name: plan.name,
    region: plan.region,
    configDigest: plan.configDigest,
    ...(plan.local === undefined
      ? { ami: plan.ami, terraform: { commands: plan.terraform.commands, workDir: plan.terraform.workDir } }
      : { local: plan.local }),
    cascade: plan.cascade,
    distributed: plan.distributed,
    runs: plan.runs.map(({ run, remote }) => ({
      id: run.id,
      type: run.type,
      targetRate: run.targetRate ?? null,
      expectedDurationMinutes: run.expectedDurationMinutes,
      timeoutMinutes: run.timeoutMinutes,
      benchmark: remote.benchmark,
    })),
    files: Object.keys(plan.files),
    cleanup: plan.cleanup,
    cost: {
      total: Number(plan.cost.estimate.total.toFixed(4)),
      currency: plan.cost.estimate.currency,
      durationHours: Number(plan.cost.durationHours.toFixed(4)),
      priceTableDate: plan.cost.estimate.priceTableDate,
      complete: plan.cost.estimate.complete,
      thresholdUsd: plan.cost.thresholdUsd,
      needsConfirmation: plan.cost.needsConfirmation,
    },
    expectedMinutes: plan.expectedMinutes,
  };
}
