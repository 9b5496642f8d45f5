import { ValidationError, type ValidationIssue } from '@lab/core';
import { LineCounter, parseDocument } from 'yaml';

/** OMB takes one sample every 10 seconds (warm-up excluded). */
export const SAMPLE_INTERVAL_SECONDS = 10;

export const LATENCY_STATS = ['avg', 'p50', 'p75', 'p95', 'p99', 'p999', 'p9999', 'max'] as const;
export type LatencyStat = (typeof LATENCY_STATS)[number];
export type LatencyStats = Partial<Record<LatencyStat, number>>;

const SUFFIX: Record<LatencyStat, string> = {
  avg: 'Avg',
  p50: '50pct',
  p75: '75pct',
  p95: '95pct',
  p99: '99pct',
  p999: '999pct',
  p9999: '9999pct',
  max: 'Max',
};

const LATENCIES = ['publishLatency', 'publishDelayLatency', 'endToEndLatency'] as const;
type LatencyKind = (typeof LATENCIES)[number];
const capitalize = (text: string) => `${text[0]!.toUpperCase()}${text.slice(1)}`;

const SCALAR_STRINGS = ['workload', 'driver'] as const;
const SCALAR_NUMBERS = [
  'messageSize',
  'topics',
  'partitions',
  'producersPerTopic',
  'consumersPerTopic',
] as const;
const RATE_SERIES = ['publishRate', 'publishErrorRate', 'consumeRate', 'backlog'] as const;

/** Every field of the current OMB `TestResult`. */
export const CURRENT_RESULT_FIELDS: readonly string[] = [
  ...SCALAR_STRINGS,
  ...SCALAR_NUMBERS,
  ...RATE_SERIES,
  ...LATENCIES.flatMap((kind) => LATENCY_STATS.map((stat) => `${kind}${SUFFIX[stat]}`)),
  ...LATENCIES.flatMap((kind) => LATENCY_STATS.map((stat) => `aggregated${capitalize(kind)}${SUFFIX[stat]}`)),
  ...LATENCIES.map((kind) => `aggregated${capitalize(kind)}Quantiles`),
];
const KNOWN = new Set(CURRENT_RESULT_FIELDS);

export interface OmbResult {
  file?: string;
  workload?: string;
  driver?: string;
  messageSize?: number;
  topics?: number;
  partitions?: number;
  producersPerTopic?: number;
  consumersPerTopic?: number;
  /** Per-sample series (one value per 10 s). Rates in msg/s, backlog in messages. */
  series: {
    publishRate: number[];
    publishErrorRate?: number[];
    consumeRate?: number[];
    backlog?: number[];
    /** ms */
    publishLatency: Partial<Record<LatencyStat, number[]>>;
    /** µs: lag behind the intended send schedule. */
    publishDelayLatency: Partial<Record<LatencyStat, number[]>>;
    /** ms */
    endToEndLatency: Partial<Record<LatencyStat, number[]>>;
  };
  /** Whole-run aggregates (same units as the series). */
  aggregated: Record<LatencyKind, LatencyStats>;
  /** Percentile → value, sorted by percentile. */
  quantiles: Partial<Record<LatencyKind, Array<[percentile: number, value: number]>>>;
  samples: number;
  /** Fields of the current OMB schema this file lacks (older releases, forks). */
  missingFields: string[];
  /** Fields this file has that the current schema does not (forks: `messagesSent`, …). */
  extraFields: string[];
}

const notResult = (file: string | undefined, message: string, issues: ValidationIssue[] = []) =>
  new ValidationError(`${file ?? 'input'} is not an OMB result: ${message}`, issues, {
    hint: 'Pass the JSON file `bin/benchmark` wrote (its --output); a failed workload writes none',
  });

/**
 * Parses an OMB result (JSON text or an already parsed value) of the current schema or an older
 * or forked one: missing and extra fields are accepted and listed. Rejects anything that is not
 * an OMB result, and known fields of the wrong type, with a ValidationError.
 */
export function parseOmbResult(json: string | unknown, options: { file?: string } = {}): OmbResult {
  const file = options.file;
  const value = typeof json === 'string' ? parseJson(json, file) : json;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw notResult(file, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const record = value as Record<string, unknown>;
  const hasLatency =
    'consumeRate' in record || 'publishLatency99pct' in record || 'aggregatedPublishLatency99pct' in record;
  if (!('publishRate' in record) || !hasLatency) {
    throw notResult(file, 'it has neither publishRate nor consumeRate/publish latency fields', [
      {
        path: '',
        ...(file === undefined ? {} : { file }),
        message: 'missing the fields every OMB result has',
        expected: 'publishRate and consumeRate or publishLatency99pct',
        received: `keys ${Object.keys(record).slice(0, 8).join(', ') || '(none)'}`,
      },
    ]);
  }
  const issues: ValidationIssue[] = [];
  const issue = (path: string, expected: string, got: unknown) =>
    issues.push({
      path,
      ...(file === undefined ? {} : { file }),
      message: 'wrong type in OMB result',
      expected,
      received: describe(got),
    });
  const series = (key: string): number[] | undefined => {
    const item = record[key];
    if (item === undefined) return undefined;
    if (!Array.isArray(item)) {
      issue(key, 'a list of numbers', item);
      return undefined;
    }
    const numbers = item.map(toNumber);
    const bad = numbers.indexOf(undefined);
    if (bad >= 0) {
      issue(`${key}.${bad}`, 'a number', item[bad]);
      return undefined;
    }
    return numbers as number[];
  };
  const scalar = (key: string): number | undefined => {
    const item = record[key];
    if (item === undefined || item === null) return undefined;
    const number = toNumber(item);
    if (number === undefined) issue(key, 'a number', item);
    return number;
  };
  const text = (key: string): string | undefined => {
    const item = record[key];
    if (item === undefined || item === null) return undefined;
    if (typeof item !== 'string') {
      issue(key, 'a string', item);
      return undefined;
    }
    return item;
  };
  const quantiles = (key: string): Array<[number, number]> | undefined => {
    const item = record[key];
    if (item === undefined || item === null) return undefined;
    if (typeof item !== 'object' || Array.isArray(item)) {
      issue(key, 'a map of percentile to value', item);
      return undefined;
    }
    const pairs: Array<[number, number]> = [];
    for (const [percentile, latency] of Object.entries(item as Record<string, unknown>)) {
      const p = Number(percentile);
      const v = toNumber(latency);
      if (!Number.isFinite(p) || v === undefined) {
        issue(`${key}.${percentile}`, 'a numeric percentile and value', latency);
        continue;
      }
      pairs.push([p, v]);
    }
    // Jackson writes the TreeMap in order: sort only when a file did not.
    const sorted = pairs.every((pair, index) => index === 0 || pairs[index - 1]![0] <= pair[0]);
    return sorted ? pairs : pairs.sort((a, b) => a[0] - b[0]);
  };

  const latencySeries = (kind: LatencyKind) => {
    const out: Partial<Record<LatencyStat, number[]>> = {};
    for (const stat of LATENCY_STATS) {
      const values = series(`${kind}${SUFFIX[stat]}`);
      if (values !== undefined) out[stat] = values;
    }
    return out;
  };
  const aggregated = (kind: LatencyKind) => {
    const out: LatencyStats = {};
    for (const stat of LATENCY_STATS) {
      const number = scalar(`aggregated${capitalize(kind)}${SUFFIX[stat]}`);
      if (number !== undefined) out[stat] = number;
    }
    return out;
  };

  const publishRate = series('publishRate') ?? [];
  const result: OmbResult = {
    ...(file === undefined ? {} : { file }),
    ...optional('workload', text('workload')),
    ...optional('driver', text('driver')),
    ...Object.fromEntries(
      SCALAR_NUMBERS.map((key) => [key, scalar(key)]).filter(([, item]) => item !== undefined),
    ),
    series: {
      publishRate,
      ...optional('publishErrorRate', series('publishErrorRate')),
      ...optional('consumeRate', series('consumeRate')),
      ...optional('backlog', series('backlog')),
      publishLatency: latencySeries('publishLatency'),
      publishDelayLatency: latencySeries('publishDelayLatency'),
      endToEndLatency: latencySeries('endToEndLatency'),
    },
    aggregated: {
      publishLatency: aggregated('publishLatency'),
      publishDelayLatency: aggregated('publishDelayLatency'),
      endToEndLatency: aggregated('endToEndLatency'),
    },
    quantiles: Object.fromEntries(
      LATENCIES.map((kind) => [kind, quantiles(`aggregated${capitalize(kind)}Quantiles`)]).filter(
        ([, item]) => item !== undefined,
      ),
    ),
    samples: publishRate.length,
    missingFields: CURRENT_RESULT_FIELDS.filter((key) => !(key in record)),
    extraFields: Object.keys(record).filter((key) => !KNOWN.has(key)),
  };
  if (issues.length > 0) {
    throw new ValidationError(`${file ?? 'input'}: OMB result has fields of the wrong type`, issues, {
      hint: 'The file may be truncated or from an incompatible OMB fork',
    });
  }
  return result;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

// Jackson writes NaN and infinities as strings ("NaN") by default, some forks as bare tokens.
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null) return Number.NaN;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

function parseJson(text: string, file: string | undefined): unknown {
  // Most files have no bare NaN/Infinity: skip the rewrite (a regex pass over every byte).
  const tolerant =
    text.includes('NaN') || text.includes('Infinity')
      ? text.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '$1"$2"')
      : text;
  try {
    return JSON.parse(tolerant);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = errorPosition(tolerant, message);
    throw notResult(file, `not valid JSON (${message})`, [
      {
        path: '',
        ...(file === undefined ? {} : { file }),
        ...(position ?? {}),
        message: text.trim() === '' ? 'the file is empty' : 'JSON syntax error',
      },
    ]);
  }
}

// V8's JSON messages carry a position only sometimes; a YAML parse (JSON is nearly a subset)
// locates the others.
function errorPosition(text: string, message: string): { line: number; column: number } | undefined {
  const offset = /position (\d+)/.exec(message);
  if (offset !== null) return lineColumn(text, Number(offset[1]));
  const lineCounter = new LineCounter();
  const problem = parseDocument(text, { lineCounter }).errors[0];
  if (problem === undefined) return undefined;
  const position = lineCounter.linePos(problem.pos[0]);
  return { line: position.line, column: position.col };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}
