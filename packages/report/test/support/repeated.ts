import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const LOCAL_FIXTURE = resolve(import.meta.dirname, '../fixtures/omb-pulsar-4.0.4-local.json');

/** Factors applied to one repetition of the real local result. */
export interface Perturbation {
  /** Multiplies publishRate and consumeRate samples. */
  rate: number;
  /** Multiplies every publish and end-to-end latency field (samples, aggregates, quantiles). */
  latency: number;
  /** Multiplies every publish-delay field. Default 1. */
  delay?: number;
}

const scaled = (value: unknown, factor: number): unknown => {
  if (typeof value === 'number') return value * factor;
  if (Array.isArray(value)) return value.map((item) => scaled(item, factor));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scaled(item, factor)]));
  return value;
};

/** The real Pulsar 4.0.4 local result with rates and latencies scaled, as OMB JSON. */
export async function perturbedLocalResult(perturbation: Perturbation): Promise<Record<string, unknown>> {
  const original = JSON.parse(await readFile(LOCAL_FIXTURE, 'utf8')) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(original).map(([key, value]) => {
      if (key === 'publishRate' || key === 'consumeRate') return [key, scaled(value, perturbation.rate)];
      if (/publishDelayLatency/i.test(key)) return [key, scaled(value, perturbation.delay ?? 1)];
      if (/Latency/.test(key)) return [key, scaled(value, perturbation.latency)];
      return [key, value];
    }),
  );
}

/** Writes `<label>.rep-<k>.json` files, one per perturbation, into a new directory. */
export async function writeRepetitions(
  label: string,
  perturbations: readonly Perturbation[],
  directory?: string,
): Promise<string> {
  const target = directory ?? (await mkdtemp(join(tmpdir(), 'report-reps-')));
  for (const [index, perturbation] of perturbations.entries()) {
    await writeFile(
      join(target, `${label}.rep-${index + 1}.json`),
      JSON.stringify(await perturbedLocalResult(perturbation)),
    );
  }
  return target;
}
