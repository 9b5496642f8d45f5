import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Emitter, errorMessage } from '@lab/core';
import type { Experiment } from '@lab/experiment-store';
import type { Bottleneck, HostMetricsSeries, HostRole } from '@lab/host-metrics';
import type { ClusterAccess } from './platform.js';

/** Where the sampler and its files live on a node (under the node's root on this machine). */
const SAMPLER_DIR = '/var/lib/lab/host-sampler';
const SAMPLE_INTERVAL_SECONDS = 2;
const COMMAND_MS = 60_000;
const TRANSFER_MS = 5 * 60_000;

/** A node whose CPU, memory, disks and network are sampled during every run. */
export interface SampledNode {
  /** What `ClusterAccess.run` takes. */
  host: string;
  /** Shown in the report: `bookkeeper-1`. */
  name: string;
  role: HostRole;
  /** The node's root prefix ('' on AWS). */
  root: string;
  instanceType?: string | undefined;
  /** `--disk PATH=PURPOSE` labels, e.g. `/data/bookkeeper/journal=journal`. */
  disks?: readonly string[] | undefined;
}

/** What one run's sampling produced, stored as `benchmark_results/<run>.hosts.json`. */
export interface RunHostMetrics {
  series: HostMetricsSeries[];
  /** The likely bottleneck (its `message` says it in words), or null when nothing was saturated. */
  bottleneck: Bottleneck | null;
  /** Nodes whose samples could not be had, with why. */
  missing: Array<{ name: string; reason: string }>;
}

interface SamplingContext {
  cluster: ClusterAccess;
  experiment: Experiment;
  events: Emitter;
  signal: AbortSignal | undefined;
}

const paths = (node: SampledNode) => ({
  script: `${node.root}${SAMPLER_DIR}/lab-host-sampler`,
  pid: `${node.root}${SAMPLER_DIR}/sampler.pid`,
  out: (runId: string) => `${node.root}${SAMPLER_DIR}/${runId}.jsonl`,
});

/**
 * Puts the sampler on every node once per run phase. Sampling explains a result but is not the
 * result: a node it cannot reach is left out with a warning, and the runs go on.
 */
export async function installSampler(
  context: SamplingContext,
  nodes: readonly SampledNode[],
): Promise<SampledNode[]> {
  const { samplerScriptPath } = await import('@lab/host-metrics');
  const script = await readFile(samplerScriptPath(), 'utf8');
  const installed = await Promise.all(
    nodes.map(async (node) => {
      try {
        await context.cluster.putFile({
          host: node.host,
          path: paths(node).script,
          content: script,
          timeoutMs: TRANSFER_MS,
          signal: context.signal,
        });
        return node;
      } catch (error) {
        if (context.signal?.aborted) throw error;
        context.events.emit(
          'sampler.unavailable',
          `No host metrics from ${node.name}: installing the sampler failed: ${errorMessage(error)}`,
          { node: node.name },
          'warn',
        );
        return undefined;
      }
    }),
  );
  return installed.filter((node): node is SampledNode => node !== undefined);
}

/** Starts sampling on every node just before a run; returns the nodes where it runs. */
export async function startSampling(
  context: SamplingContext,
  nodes: readonly SampledNode[],
  runId: string,
): Promise<SampledNode[]> {
  const started = await Promise.all(
    nodes.map(async (node) => {
      const where = paths(node);
      const start = (disks: readonly string[]) =>
        context.cluster
          .run({
            host: node.host,
            script: `bash ${where.script} start --out ${where.out(runId)} --pid-file ${where.pid} --interval ${SAMPLE_INTERVAL_SECONDS}${disks.map((disk) => ` --disk ${disk}`).join('')}`,
            description: `start the host sampler on ${node.name}`,
            timeoutMs: COMMAND_MS,
            signal: context.signal,
          })
          .catch((error: unknown) => {
            if (context.signal?.aborted) throw error;
            return { ok: false, stdout: '', stderr: errorMessage(error), message: 'not started' };
          });
      let result = await start(node.disks ?? []);
      if (!result.ok && (node.disks ?? []).length > 0) {
        // A data directory that is not where it should be (exit 2): sample with unlabelled disks.
        context.events.emit(
          'sampler.unlabelled',
          `${node.name}: the sampler could not label its disks (${result.stderr.trim() || result.message}); sampling them unlabelled`,
          { node: node.name },
          'warn',
        );
        result = await start([]);
      }
      if (result.ok) return node;
      context.events.emit(
        'sampler.unavailable',
        `No host metrics from ${node.name} for ${runId}: ${result.message} ${result.stderr.trim()}`.trim(),
        { node: node.name, run: runId },
        'warn',
      );
      return undefined;
    }),
  );
  return started.filter((node): node is SampledNode => node !== undefined);
}

/**
 * Stops sampling after a run, brings every node's samples home (raw, beside the OMB result),
 * turns them into rates over the run's own time span and names the likely bottleneck.
 */
export async function collectSampling(
  context: SamplingContext,
  nodes: readonly SampledNode[],
  runId: string,
  span: { startedAtMs: number; endedAtMs: number },
): Promise<RunHostMetrics | undefined> {
  if (nodes.length === 0) return undefined;
  const { findBottleneck, parseHostSamples } = await import('@lab/host-metrics');
  const rawDir = join(context.experiment.paths.benchmarkResults, `${runId}.hosts`);
  await mkdir(rawDir, { recursive: true, mode: 0o700 });
  const missing: RunHostMetrics['missing'] = [];
  const series = await Promise.all(
    nodes.map(async (node): Promise<HostMetricsSeries | undefined> => {
      const where = paths(node);
      try {
        const stopped = await context.cluster.run({
          host: node.host,
          script: `bash ${where.script} stop --pid-file ${where.pid}`,
          description: `stop the host sampler on ${node.name}`,
          timeoutMs: COMMAND_MS,
          signal: context.signal,
        });
        if (!stopped.ok)
          throw new Error(`stopping it failed: ${stopped.message} ${stopped.stderr.trim()}`.trim());
        const raw = (
          await context.cluster.fetchFile({
            host: node.host,
            path: where.out(runId),
            timeoutMs: TRANSFER_MS,
            signal: context.signal,
          })
        ).toString('utf8');
        await writeFile(join(rawDir, `${node.name}.jsonl`), raw, { mode: 0o600 });
        return parseHostSamples(raw, {
          host: node.name,
          role: node.role,
          ...(node.instanceType === undefined ? {} : { instanceType: node.instanceType }),
          startedAt: span.startedAtMs,
          endedAt: span.endedAtMs,
        });
      } catch (error) {
        if (context.signal?.aborted) throw error;
        missing.push({ name: node.name, reason: errorMessage(error) });
        context.events.emit(
          'sampler.unavailable',
          `No host metrics from ${node.name} for ${runId}: ${errorMessage(error)}`,
          { node: node.name, run: runId },
          'warn',
        );
        return undefined;
      }
    }),
  );
  const collected = series.filter((entry): entry is HostMetricsSeries => entry !== undefined);
  const bottleneck = findBottleneck(collected) ?? null;
  const metrics: RunHostMetrics = { series: collected, bottleneck, missing };
  await writeFile(
    join(context.experiment.paths.benchmarkResults, `${runId}.hosts.json`),
    `${JSON.stringify(metrics)}\n`,
    {
      mode: 0o600,
    },
  );
  context.events.emit(
    'host-metrics',
    bottleneck === null
      ? `${runId}: host metrics from ${collected.length} node(s); no resource saturated`
      : `${runId}: likely bottleneck: ${bottleneck.message}`,
    { run: runId, bottleneck: bottleneck?.message ?? null },
  );
  return metrics;
}
