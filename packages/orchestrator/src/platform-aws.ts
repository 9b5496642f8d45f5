import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig } from '@lab/config';
import { createEmitter, type Emitter, errorMessage, LabError, ValidationError } from '@lab/core';
import { parseTerraformOutputs, ROLES, type TerraformOutputs } from '@lab/infra';
import { labCleanupCommand } from './cleanup-port.js';
import {
  EVENT_SOURCE,
  EXPERIMENT_FILES,
  experimentTerraform,
  minutes,
  type PlanConfig,
  storedOutputs,
} from './common.js';
import { type ResolvedDeps, remoteOps, step } from './deps.js';
import { CASCADE_TIMEOUTS_MINUTES, type ExperimentPlan } from './plan.js';
import type { ClusterAccess, DestroyOutcome, Platform, PlatformContext } from './platform.js';
import { stopOrphanedTerraform } from './terraform-process.js';

/** Where lab-bootstrap mounts a bookie's journal and ledger volumes. */
const BOOKIE_JOURNAL_DIR = '/data/bookkeeper/journal';
const BOOKIE_LEDGERS_DIR = '/data/bookkeeper/ledgers';

/**
 * AWS: a cluster is a Terraform apply of `terraform/` with the experiment's own state, reached
 * through SSM, and destroyed by `terraform destroy` then found by its tags alone and deleted.
 */
export function awsPlatform(settings: { moduleDir: string }): Platform {
  return {
    target: 'aws',
    regions: (config) => [config.infrastructure.region],
    planInput: async ({ config, live }) => {
      // Checked before anything exists, and in a dry run too.
      if (!existsSync(join(settings.moduleDir, 'versions.tf'))) {
        throw new ValidationError('The lab Terraform module was not found', [
          {
            path: 'terraform-dir',
            message: 'no versions.tf here',
            expected: 'the module shipped in @lab/infra (reinstall it), or --terraform-dir <path>',
            received: settings.moduleDir,
          },
        ]);
      }
      return live === undefined
        ? {}
        : { amiId: await resolveAmi(live.deps, config.infrastructure, live.events, live.signal) };
    },
    provision,
    access,
    destroy,
    leftovers: async ({ deps, experiment, signal }) => {
      const manifest = await experiment.readManifest();
      const found = await deps.cleanupByTags({
        experimentId: experiment.id,
        regions: manifest.regions,
        execute: false,
        signal,
        events: deps.events,
      });
      return { remaining: found.remaining, problems: found.problems ?? [] };
    },
    finishCommand: labCleanupCommand,
  };
}

async function provision(context: PlatformContext, plan: ExperimentPlan, started: () => void) {
  const { deps, experiment, events, signal, sink } = context;
  if (plan.ami.source === 'lookup') throw new Error('the plan of an AWS setup names its AMI');
  await experiment.writeTerraformVars(plan.terraform.variables);
  const terraform = experimentTerraform(deps, experiment, sink, signal);
  step(events, 'setup', 'terraform init');
  await terraform.init();
  step(events, 'setup', 'terraform plan');
  await terraform.plan();
  step(events, 'setup', 'terraform apply');
  started();
  await terraform.apply();
  const raw = await terraform.output();
  const outputs = parseTerraformOutputs(raw, { file: 'terraform output -json' });
  await experiment.writeFileAtomic(EXPERIMENT_FILES.outputs, `${JSON.stringify(raw, null, 2)}\n`);
  await experiment.recordResources(plan.region, 'vpc', [outputs.vpcId]);
  await experiment.recordResources(
    plan.region,
    'instance',
    outputs.instances.map((instance) => instance.instanceId),
  );
  events.emit(
    'setup.applied',
    `Terraform created ${outputs.instances.length} instance(s) in ${outputs.vpcId}`,
    {
      vpcId: outputs.vpcId,
      instances: outputs.instances.length,
    },
  );
  step(events, 'setup', 'health cascade');
  await waitHealthy(deps, outputs, plan.region, context);
  return {
    details: {
      cluster: {
        serviceUrl: outputs.cluster.serviceUrl,
        webServiceUrl: outputs.cluster.webServiceUrl,
        brokers: outputs.roles.broker.privateIps,
        clients: outputs.roles.client.instanceIds,
      },
    },
  };
}

async function waitHealthy(
  deps: ResolvedDeps,
  outputs: TerraformOutputs,
  region: string,
  context: PlatformContext,
): Promise<void> {
  const [{ runCascade, bindRunCommand, PROBE_COMMAND_POLL }, { labHealthStages }] = await Promise.all([
    import('@lab/health-cascade'),
    import('@lab/health-cascade/aws'),
  ]);
  const clients = deps.aws(region);
  const [ec2, ssm] = await Promise.all([clients.ec2(), clients.ssm()]);
  const remote = await remoteOps(deps);
  const targets = outputs.instances.map((instance) => ({
    id: instance.instanceId,
    label: `${instance.role}-${instance.index + 1}`,
    role: instance.role,
  }));
  const ms = (value: number) => value * 60_000;
  const started = deps.clock.now();
  await runCascade({
    stages: labHealthStages({
      ec2,
      ssm,
      runCommand: bindRunCommand(remote.runCommand, {
        ssm,
        poll: PROBE_COMMAND_POLL,
        events: context.sink,
        clock: deps.clock,
        sleep: deps.sleep,
      }),
      targets,
      timeouts: {
        instancesRunning: ms(CASCADE_TIMEOUTS_MINUTES.instancesRunning),
        ssmOnline: ms(CASCADE_TIMEOUTS_MINUTES.ssmOnline),
        servicesActive: ms(CASCADE_TIMEOUTS_MINUTES.servicesActive),
        endpointsHealthy: ms(CASCADE_TIMEOUTS_MINUTES.endpointsHealthy),
      },
    }),
    targets,
    events: context.sink,
    clock: deps.clock,
    sleep: deps.sleep,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  });
  createEmitter({ source: EVENT_SOURCE, sink: context.sink, clock: deps.clock }).emit(
    'cascade.done',
    `Cluster healthy after ${minutes(deps.clock.now() - started)}`,
  );
}

async function access(context: PlatformContext, resolved: PlanConfig): Promise<ClusterAccess> {
  const { deps, experiment, sink } = context;
  const outputs = await storedOutputs(experiment);
  const driver = outputs.roles.client.instanceIds[0];
  if (driver === undefined) {
    throw new LabError('NO_CLIENT', `${experiment.id} has no client instance to run OMB on`);
  }
  const remote = await remoteOps(deps);
  const ssm = await deps.aws(resolved.config.infrastructure.region).ssm();
  const common = (timeoutMs: number, signal: AbortSignal | undefined) => ({
    ssm,
    timeoutMs,
    events: sink,
    clock: deps.clock,
    sleep: deps.sleep,
    ...(signal === undefined ? {} : { signal }),
  });
  const roles = resolved.config.infrastructure.roles;
  return {
    brokers: outputs.roles.broker.privateIps,
    clients: outputs.roles.client.privateIps,
    driver,
    sampledNodes: ROLES.flatMap((role) =>
      outputs.roles[role].instanceIds.map((instanceId, index) => ({
        host: instanceId,
        name: `${role}-${index + 1}`,
        role,
        root: '',
        instanceType: roles[role].instanceType,
        // lab-bootstrap mounts the bookie's volumes here; the sampler finds their devices.
        ...(role === 'bookkeeper'
          ? { disks: [`${BOOKIE_JOURNAL_DIR}=journal`, `${BOOKIE_LEDGERS_DIR}=ledgers`] }
          : {}),
      })),
    ),
    run: async (request) => {
      const result = (
        await remote.runCommand({
          ...common(request.timeoutMs, request.signal),
          instanceIds: [request.host],
          script: request.script,
          description: request.description,
          ...(request.fullOutput === true ? { output: 'full' as const } : {}),
        })
      ).results[0];
      return result === undefined
        ? { ok: false, stdout: '', stderr: '', message: 'no result' }
        : { ok: result.ok, stdout: result.stdout, stderr: result.stderr, message: result.message ?? '' };
    },
    putFile: async (request) => {
      await remote.putFile({
        ...common(request.timeoutMs, request.signal),
        instanceId: request.host,
        remotePath: request.path,
        content: request.content,
        createDirectories: true,
      });
    },
    fetchFile: async (request) =>
      (
        await remote.fetchFile({
          ...common(request.timeoutMs, request.signal),
          instanceId: request.host,
          remotePath: request.path,
        })
      ).content,
  };
}

/**
 * `terraform destroy` with the experiment's own state (skipped when the state is gone), then
 * tag-based cleanup and verification of whatever is left.
 */
async function destroy(context: PlatformContext): Promise<DestroyOutcome> {
  const { deps, experiment, sink, signal } = context;
  const events = context.events.child('teardown');
  const { regions } = await experiment.readManifest();
  // A terraform that a killed lab-orchestrate left running would go on changing what exists.
  await stopOrphanedTerraform(experiment.paths.terraformDir, {
    events,
    clock: deps.clock,
    sleep: deps.sleep,
  });
  let destroyed: DestroyOutcome['destroy'];
  if (existsSync(experiment.paths.terraformState) && existsSync(experiment.paths.terraformVars)) {
    events.emit('destroy.started', `terraform destroy of ${experiment.id}`);
    try {
      const terraform = experimentTerraform(deps, experiment, sink, signal);
      await terraform.init();
      await terraform.destroy();
      destroyed = { status: 'succeeded' };
      events.emit('destroy.succeeded', `terraform destroy of ${experiment.id} finished`);
    } catch (error) {
      destroyed = { status: 'failed', message: errorMessage(error).split('\n')[0] ?? '' };
      events.emit(
        'destroy.failed',
        `terraform destroy of ${experiment.id} failed: ${errorMessage(error)}; continuing with tag-based cleanup`,
        {},
        'error',
      );
    }
  } else {
    destroyed = { status: 'skipped', message: 'no local Terraform state' };
    events.emit(
      'destroy.skipped',
      `No local Terraform state for ${experiment.id}: finding its resources by tag alone`,
      {},
      'warn',
    );
  }
  events.emit(
    'verify.started',
    `Checking by tag that nothing of ${experiment.id} is left in ${regions.join(', ')}`,
  );
  try {
    const result = await deps.cleanupByTags({
      experimentId: experiment.id,
      regions,
      execute: true,
      signal,
      events: sink,
    });
    return {
      destroy: destroyed,
      remaining: result.remaining,
      problems: result.problems ?? [],
      notes: result.notes ?? [],
    };
  } catch (error) {
    events.emit(
      'verify.failed',
      `Tag-based cleanup of ${experiment.id} failed: ${errorMessage(error)}`,
      {},
      'error',
    );
    return {
      destroy: destroyed,
      remaining: [],
      problems: regions.map((region) => ({ region, type: 'all', message: errorMessage(error) })),
      notes: [],
    };
  }
}

async function resolveAmi(
  deps: ResolvedDeps,
  infra: LabConfig['infrastructure'],
  events: Emitter,
  signal: AbortSignal | undefined,
): Promise<string> {
  if (infra.amiId !== undefined) {
    events.emit('ami.configured', `Using ${infra.amiId} (infrastructure.amiId)`);
    return infra.amiId;
  }
  step(events, 'setup', 'resolve AMI');
  const { findLatestImage } = await import('@lab/ami-builder/aws');
  const ec2 = await deps.aws(infra.region).ec2();
  // The listing is cached in the store's ami-cache/ (shared with lab-ami) for 10 minutes; a
  // version missing from a cached listing is looked up in EC2 again.
  const { image, listing } = await findLatestImage({
    ec2,
    region: infra.region,
    cache: deps.store.amiCache,
    version: infra.pulsarVersion,
    signal,
    clock: deps.clock,
    ...(deps.events === undefined ? {} : { events: deps.events }),
  });
  if (image === undefined) {
    throw new LabError(
      'AMI_NOT_FOUND',
      `No available lab AMI of Pulsar ${infra.pulsarVersion} in ${infra.region} (${listing.images.length} pulsar-base image(s) found, none of that version and available)`,
      {
        hint: `Build one with \`lab-ami build --pulsar-version ${infra.pulsarVersion} --region ${infra.region}\`, or set infrastructure.amiId`,
        details: { region: infra.region, pulsarVersion: infra.pulsarVersion },
      },
    );
  }
  events.emit(
    'ami.resolved',
    `Using ${image.imageId} (${image.name}), the newest AMI of Pulsar ${infra.pulsarVersion}`,
    {
      amiId: image.imageId,
    },
  );
  return image.imageId;
}
