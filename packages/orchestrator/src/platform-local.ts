import { join } from 'node:path';
import type { LabConfig } from '@lab/config';
import { createEmitter, LabError } from '@lab/core';
import type { ProcessRunner } from '@lab/core/process';
import { clusterDocuments } from '@lab/infra';
import type { LocalClusterLayout, LocalHost } from '@lab/local-cluster';
import { EVENT_SOURCE, minutes } from './common.js';
import { step } from './deps.js';
import { LOCAL_CASCADE_TIMEOUTS_MINUTES, localTeardownCommand } from './local-plan.js';
import type { LocalImagePlan } from './plan.js';
import type { ClusterAccess, DestroyOutcome, Platform, PlatformContext } from './platform.js';
import { pulsarVariablesFor } from './variables.js';

/** What the local target is given by its caller (the CLI's flags and the store's cache). */
export interface LocalTargetSettings {
  /** Where Pulsar and OMB are installed once and reused (e.g. `<home>/cache/local`). */
  cacheDir: string;
  /** `--pulsar-tarball`; default: install-pulsar.sh downloads it. */
  pulsarTarball?: string | undefined;
  /** `--omb-source`: a git URL, a checkout or a `git archive` tarball; default OMB's repository. */
  ombSource?: string | undefined;
  /** Default: the commit the AMI bakes (`DEFAULT_OMB_COMMIT` of `@lab/ami-builder`). */
  ombCommit?: string | undefined;
  /** The lab's `packer/` directory; default the one `@lab/ami-builder` ships. */
  packerDir?: string | undefined;
  runner?: ProcessRunner;
}

/** Node roots live under the experiment, in `nodes/<role>-<n>`. */
export const LOCAL_NODES_DIR = 'nodes';

/**
 * This machine: each node a directory and a loopback address, installed by the AMI's own
 * scripts, configured by lab-bootstrap from its cluster document, its services under
 * lab-systemctl, checked by lab-health-probe; torn down by stopping every process that carries
 * the experiment's id and proving that none runs and nothing of it listens.
 */
export function localPlatform(settings: LocalTargetSettings): Platform {
  const lib = () => import('@lab/local-cluster');
  const layoutOf = async (experimentId: string, experimentRoot: string, config: LabConfig) =>
    (await lib()).planLocalCluster({
      experimentId,
      rootDir: join(experimentRoot, LOCAL_NODES_DIR),
      counts: {
        zookeeper: config.infrastructure.roles.zookeeper.count,
        bookkeeper: config.infrastructure.roles.bookkeeper.count,
        broker: config.infrastructure.roles.broker.count,
        client: config.infrastructure.roles.client.count,
      },
    });
  const image = async (config: LabConfig): Promise<LocalImagePlan> => ({
    pulsarVersion: config.infrastructure.pulsarVersion,
    ombCommit: settings.ombCommit ?? (await import('@lab/ami-builder')).DEFAULT_OMB_COMMIT,
    pulsarTarball: settings.pulsarTarball,
    ombSource: settings.ombSource,
    cacheDir: settings.cacheDir,
  });
  const packerDir = async () => settings.packerDir ?? (await import('@lab/ami-builder')).PACKER_DIR;
  const shell = (experimentId: string) => ({
    experimentId,
    ...(settings.runner === undefined ? {} : { runner: settings.runner }),
  });
  const layoutOfExperiment = async (context: Pick<PlatformContext, 'experiment'>, config: LabConfig) =>
    layoutOf(context.experiment.id, context.experiment.paths.root, config);

  return {
    target: 'local',
    regions: () => [],
    planInput: async ({ experimentId, experimentRoot, config }) => ({
      local: { layout: await layoutOf(experimentId, experimentRoot, config), image: await image(config) },
    }),

    async provision(context, plan, started) {
      const local = await lib();
      const layout = await layoutOfExperiment(context, plan.config);
      const wanted = await image(plan.config);
      const setupStep = (name: string) => step(context.events, 'setup', name);
      setupStep('check this machine');
      await local.checkLocalPrerequisites({
        buildOmb: true,
        ...(settings.runner === undefined ? {} : { runner: settings.runner }),
      });
      await local.checkListenersFree(layout);
      setupStep('install Pulsar and OMB (cached)');
      const installed = await local.ensureLocalImage({
        cacheDir: wanted.cacheDir,
        packerDir: await packerDir(),
        pulsarVersion: wanted.pulsarVersion,
        pulsarTarball: wanted.pulsarTarball,
        ombCommit: wanted.ombCommit,
        ombSource: wanted.ombSource,
        events: context.sink,
        signal: context.signal,
        ...(settings.runner === undefined ? {} : { runner: settings.runner }),
      });
      started();
      setupStep('create the nodes');
      const documents = clusterDocuments({
        experimentId: context.experiment.id,
        pulsar: pulsarVariablesFor(plan.config.cluster),
        members: local.membersOf(layout),
        ombWorkers: layout.ombWorkers,
      });
      await local.createHostRoots({
        layout,
        image: installed,
        documents,
        packerDir: await packerDir(),
        signal: context.signal,
        ...(settings.runner === undefined ? {} : { runner: settings.runner }),
      });
      setupStep('bootstrap every node');
      local.startBootstraps(shell(context.experiment.id), layout);
      setupStep('health cascade');
      await waitHealthy(context, layout, shell(context.experiment.id));
      const brokers = local.membersOf(layout).broker;
      return {
        details: {
          cluster: {
            serviceUrl: `pulsar://${brokers.map((address) => `${address}:6650`).join(',')}`,
            webServiceUrl: `http://${brokers[0]}:8080`,
            brokers,
            clients: layout.hosts.filter((host) => host.role === 'client').map((host) => host.name),
            nodes: layout.hosts.map((host) => ({ name: host.name, address: host.address, root: host.root })),
          },
        },
      };
    },

    async access(context, resolved): Promise<ClusterAccess> {
      const local = await lib();
      const layout = await layoutOfExperiment(context, resolved.config);
      const hostNamed = (name: string): LocalHost => {
        const host = layout.hosts.find((candidate) => candidate.name === name);
        if (host === undefined)
          throw new LabError('NO_SUCH_NODE', `${context.experiment.id} has no node ${name}`);
        return host;
      };
      const driver = layout.hosts.find((host) => host.role === 'client');
      if (driver === undefined) {
        throw new LabError('NO_CLIENT', `${context.experiment.id} has no client node to run OMB on`);
      }
      return {
        brokers: local.membersOf(layout).broker,
        clients: local.membersOf(layout).client,
        driver: driver.name,
        // Every node shares this machine: one sampler (on the driver's node) sees all of them.
        sampledNodes: [{ host: driver.name, name: 'this-machine', role: 'client', root: driver.root }],
        run: async (request) => {
          const result = await local.runOnHost(
            shell(context.experiment.id),
            hostNamed(request.host),
            request.script,
            {
              timeoutMs: request.timeoutMs,
              signal: request.signal,
            },
          );
          const ok = result.exitCode === 0 && !result.timedOut;
          return {
            ok,
            stdout: result.stdout,
            stderr: result.stderr,
            message: result.timedOut ? `timed out after ${request.timeoutMs} ms` : `exit ${result.exitCode}`,
          };
        },
        putFile: async (request) => {
          await local.putHostFile(hostNamed(request.host), request.path, request.content);
        },
        fetchFile: async (request) =>
          (await local.fetchHostFile(hostNamed(request.host), request.path)).content,
      };
    },

    async destroy(context): Promise<DestroyOutcome> {
      const local = await lib();
      const layout = await storedLayout(context, layoutOfExperiment);
      const events = context.events.child('teardown');
      if (layout === undefined) {
        return {
          destroy: { status: 'skipped', message: 'the experiment has no stored configuration' },
          ...(await leftoversOf(context.experiment.id, undefined)),
          notes: [],
        };
      }
      events.emit('stop.started', `Stopping every process of ${context.experiment.id} on this machine`);
      const report = await local.stopLocalCluster(shell(context.experiment.id), layout);
      events.emit(
        report.complete ? 'stop.succeeded' : 'stop.incomplete',
        `Stopped ${report.units.length} unit(s)${report.signalled.length === 0 ? '' : `; signalled ${report.signalled.length} other process(es)`}${report.killed.length === 0 ? '' : `, ${report.killed.length} needed SIGKILL`}`,
        { units: report.units, killed: report.killed },
        report.complete ? 'info' : 'warn',
      );
      return {
        destroy:
          report.unitProblems.length === 0
            ? { status: 'succeeded' }
            : { status: 'failed', message: report.unitProblems.join('; ') },
        remaining: [
          ...report.remaining.map((entry) => ({
            region: 'local',
            type: 'process',
            id: String(entry.pid),
            message: `${entry.host ?? '?'}: ${entry.command}`,
          })),
          ...report.openListeners
            .filter((listener) => listener.ours)
            .map((listener) => ({
              region: 'local',
              type: 'listener',
              id: `${listener.address}:${listener.port}`,
              message: `${listener.service} of ${listener.host}${listener.holder === undefined ? '' : `, pid ${listener.holder.pid}`}`,
            })),
        ],
        problems: [],
        notes: report.openListeners
          .filter((listener) => !listener.ours)
          .map(
            (listener) =>
              `${listener.address}:${listener.port} is now held by another process (pid ${listener.holder?.pid}): not this experiment's`,
          ),
      };
    },

    async leftovers(context) {
      const layout = await storedLayout(context, layoutOfExperiment);
      return leftoversOf(context.experiment.id, layout);
    },

    finishCommand: (experimentId) => localTeardownCommand(experimentId),
  };

  async function leftoversOf(experimentId: string, layout: LocalClusterLayout | undefined) {
    const local = await lib();
    const processes = await local.experimentProcesses(experimentId);
    const listeners =
      layout === undefined ? [] : (await local.openListenersOf(layout)).filter((entry) => entry.ours);
    return {
      remaining: [
        ...processes.map((entry) => ({
          region: 'local',
          type: 'process',
          id: String(entry.pid),
          message: entry.command,
        })),
        ...listeners.map((entry) => ({
          region: 'local',
          type: 'listener',
          id: `${entry.address}:${entry.port}`,
        })),
      ],
      problems: [],
    };
  }
}

/** The layout of an experiment from its stored configuration, or undefined when there is none. */
async function storedLayout(
  context: Pick<PlatformContext, 'experiment'>,
  layoutOf: (context: Pick<PlatformContext, 'experiment'>, config: LabConfig) => Promise<LocalClusterLayout>,
): Promise<LocalClusterLayout | undefined> {
  const { storedConfig } = await import('./common.js');
  try {
    return await layoutOf(context, (await storedConfig(context.experiment)).config);
  } catch {
    // Set up so far that not even its configuration was stored: there is nothing to stop by layout.
    return undefined;
  }
}

async function waitHealthy(
  context: PlatformContext,
  layout: LocalClusterLayout,
  shell: { experimentId: string },
): Promise<void> {
  const [{ runCascade, servicesActiveStage, endpointsHealthyStage }, local] = await Promise.all([
    import('@lab/health-cascade'),
    import('@lab/local-cluster'),
  ]);
  const { deps } = context;
  const targets = layout.hosts.map((host) => ({ id: host.name, label: host.name, role: host.role }));
  const byName = new Map(layout.hosts.map((host) => [host.name, host]));
  const runCommand = async (request: {
    instanceIds: string[];
    script: string;
    timeoutMs: number;
    signal?: AbortSignal;
  }) =>
    Promise.all(
      request.instanceIds.map(async (id) => {
        const result = await local.runOnHost(shell, byName.get(id)!, request.script, {
          timeoutMs: request.timeoutMs,
          signal: request.signal,
        });
        const ok = result.exitCode === 0 && !result.timedOut;
        return {
          instanceId: id,
          ok,
          status: result.timedOut ? 'TimedOut' : ok ? 'Success' : 'Failed',
          stdout: result.stdout,
          stderr: result.stderr,
          responseCode: result.exitCode ?? -1,
        };
      }),
    );
  const probe = {
    runCommand,
    // lab-health-probe is on each node's PATH (its /opt/lab/bin), as the AMI installs it.
    probePath: 'lab-health-probe',
    zookeeperEnsembleSize: local.membersOf(layout).zookeeper.length,
  };
  const ms = (value: number) => value * 60_000;
  const started = deps.clock.now();
  await runCascade({
    stages: [
      {
        name: 'nodes bootstrapped',
        timeoutMs: ms(LOCAL_CASCADE_TIMEOUTS_MINUTES.bootstrapped),
        hint: "Each node's log is <experiment>/nodes/<node>/var/log/lab/bootstrap.log",
        async observe(nodes) {
          return new Map(
            await Promise.all(
              nodes.map(async (node) => {
                const status = await local.bootstrapStatus(byName.get(node.id)!);
                return [
                  node.id,
                  status.state === 'ok'
                    ? { ready: true, detail: status.message }
                    : status.state === 'running'
                      ? { ready: false, detail: 'lab-bootstrap is still running' }
                      : {
                          ready: false,
                          terminal: true,
                          detail: `lab-bootstrap failed: ${status.message}\n${status.logTail}`,
                        },
                ] as const;
              }),
            ),
          );
        },
      },
      servicesActiveStage({ ...probe, timeoutMs: ms(LOCAL_CASCADE_TIMEOUTS_MINUTES.servicesActive) }),
      endpointsHealthyStage({ ...probe, timeoutMs: ms(LOCAL_CASCADE_TIMEOUTS_MINUTES.endpointsHealthy) }),
    ],
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
