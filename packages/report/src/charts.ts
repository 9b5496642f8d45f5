import { escapeHtml } from './format.js';

/**
 * A chart as data: the page's script draws it with uPlot. Kept small on purpose — a report of
 * 300 runs carries a few thousand of these.
 */
export interface ChartSpec {
  title: string;
  /** `time`: seconds since run start; `nines`: percentiles on −log10(1 − p/100); `linear`. */
  xKind: 'time' | 'nines' | 'linear';
  yLabel: string;
  series: Array<{ name: string; points: ReadonlyArray<readonly [number, number]> }>;
  /** Charts sharing a key move their cursors together (one run's timelines). */
  sync?: string;
  /** Fixed x range, so one run's timelines line up. */
  xRange?: [number, number];
  /** Vertical lines, e.g. a ramp's plateau. */
  markers?: Array<{ x: number; label: string }>;
}

/** What the page embeds per chart: aligned columns (uPlot's data layout), numbers rounded. */
export interface EmbeddedChart {
  t: string;
  k: ChartSpec['xKind'];
  y: string;
  n: string[];
  /** Evenly spaced x values as [first, step, count] (then `d` holds only the series). */
  x?: [number, number, number];
  /** Columns: x (unless `x` is given), then one per series (null = no point). */
  d: Array<Array<number | null>>;
  s?: string;
  m?: Array<{ x: number; label: string }>;
}

/** Chart resolution: 4 significant digits is below a pixel on any screen. */
const round = (value: number): number => Number(value.toPrecision(4));

/** x of a percentile on the nines axis: p50 → 0.30, p90 → 1, p99 → 2, p99.9 → 3. */
export const ninesOf = (percentile: number): number =>
  -Math.log10(Math.max(1e-7, 1 - Math.min(percentile, 99.99999) / 100));

// One shared grid for every latency distribution: 0.1 nines apart, p0 to p99.999.
const NINES_GRID = Array.from({ length: 51 }, (_, i) => round(i * 0.1));

/**
 * A latency distribution (percentile → ms, sorted by percentile) resampled onto the shared
 * nines grid by linear interpolation; never extrapolated past the largest recorded percentile,
 * so it ends up to 0.1 nine short of it. p100 (the maximum) has no place on a nines axis: the
 * tables show it.
 */
export function resampleQuantiles(
  quantiles: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const points = quantiles
    .filter(([p, value]) => Number.isFinite(p) && p < 100 && Number.isFinite(value))
    .map(([p, value]): [number, number] => [ninesOf(p), value]);
  if (points.length === 0) return [];
  const out: Array<[number, number]> = [];
  let j = 0;
  for (const x of NINES_GRID) {
    if (x > points.at(-1)![0] + 1e-9) break;
    if (x < points[0]![0]) continue;
    while (j < points.length - 2 && points[j + 1]![0] < x) j += 1;
    const [x0, y0] = points[j]!;
    const [x1, y1] = points[j + 1] ?? points[j]!;
    out.push([x, x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0)]);
  }
  return out;
}

/** Lines up the series on the union of their x values (uPlot wants columns). */
export function embedChart(spec: ChartSpec): EmbeddedChart {
  const series = spec.series.map((s) => ({
    name: s.name,
    byX: new Map(
      s.points
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
        .map(([x, y]) => [round(x), round(y)]),
    ),
  }));
  // The range's ends as x values without points: uPlot then spans them, and one run's timelines
  // line up (and reset to the same span after a zoom).
  const ends = (spec.xRange ?? []).map(round);
  const xs = [...new Set([...ends, ...series.flatMap((s) => [...s.byX.keys()])])].sort((a, b) => a - b);
  const columns = series.map((s) => xs.map((x) => s.byX.get(x) ?? null));
  const even = evenlySpaced(xs);
  return {
    t: spec.title,
    k: spec.xKind,
    y: spec.yLabel,
    n: series.map((s) => s.name),
    ...(even === undefined ? { d: [xs, ...columns] } : { x: even, d: columns }),
    ...(spec.sync === undefined ? {} : { s: spec.sync }),
    ...(spec.markers === undefined || spec.markers.length === 0 ? {} : { m: spec.markers }),
  };
}

// Timelines and the nines grid are evenly spaced: three numbers instead of a column.
function evenlySpaced(xs: readonly number[]): [number, number, number] | undefined {
  if (xs.length < 3) return undefined;
  const step = round(xs[1]! - xs[0]!);
  for (let i = 2; i < xs.length; i += 1) {
    if (round(xs[0]! + i * step) !== xs[i]) return undefined;
  }
  return [xs[0]!, step, xs.length];
}

/** True when at least one series has a point. */
export const hasData = (spec: ChartSpec): boolean =>
  spec.series.some((s) => s.points.some(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));

/**
 * Collects the charts of a page: `placeholder` returns the element the script fills, `data`
 * the JSON the page embeds. A chart without data is a "no data" box, not an empty frame.
 */
export class ChartCollector {
  readonly charts: EmbeddedChart[] = [];

  placeholder(spec: ChartSpec): string {
    if (!hasData(spec)) {
      return `<figure class="chart-box empty"><figcaption>${escapeHtml(spec.title)}</figcaption><p class="muted">no data</p></figure>`;
    }
    this.charts.push(embedChart(spec));
    return `<figure class="chart-box"><div class="chart" data-chart="${this.charts.length - 1}" role="img" aria-label="${escapeHtml(spec.title)}"></div></figure>`;
  }

  /** The chart data as JSON safe inside a <script> element. */
  json(): string {
    return JSON.stringify(this.charts).replace(/</g, '\\u003c');
  }
}
