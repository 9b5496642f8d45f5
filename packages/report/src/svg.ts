export interface ChartSeries {
  name: string;
  points: Array<[number, number]>;
  /** Draw points only (markers), no line. */
  markersOnly?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** `percentile` spaces x as −log10(1 − p/100): 50, 90, 99, 99.9 … evenly. */
  xScale?: 'linear' | 'percentile';
  /** Vertical marker lines, e.g. the ramp's plateau. */
  markers?: Array<{ x: number; label: string }>;
  /** At most this many points per series are drawn (evenly sampled; extremes kept). */
  maxPoints?: number;
}

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 28, right: 16, bottom: 40, left: 64 };
export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#059669',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
];

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const percentileX = (p: number) => -Math.log10(Math.max(1e-6, 1 - Math.min(p, 99.9999) / 100));

/** Compact number: 12.3k, 1.2M, 0.45, 3 ms-ish values keep 3 significant digits. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100 || abs === 0) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step0 = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let tick = Math.ceil(min / step) * step; tick <= max + step * 1e-9; tick += step) {
    ticks.push(Number(tick.toPrecision(12)));
  }
  return ticks;
}

function sample(points: Array<[number, number]>, maxPoints: number): Array<[number, number]> {
  if (points.length <= maxPoints) return points;
  const stride = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, i) => points[Math.round(i * stride)]!);
}

/**
 * An SVG line chart that needs no script to render or print. The page's small script shows the
 * values under the cursor by inverting pixel positions with the chart's `data-domain`.
 */
export function lineChart(options: ChartOptions): string {
  const percentile = options.xScale === 'percentile';
  const toX = (x: number) => (percentile ? percentileX(x) : x);
  const series = options.series
    .map((s) => ({
      ...s,
      points: sample(
        s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
        options.maxPoints ?? 240,
      ),
    }))
    .filter((s) => s.points.length > 0);
  const title = `<text class="chart-title" x="${MARGIN.left}" y="18">${escapeHtml(options.title)}</text>`;
  if (series.length === 0) {
    return `<svg class="chart empty" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(options.title)}">${title}<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" class="muted">no data</text></svg>`;
  }
  const xs = series.flatMap((s) => s.points.map(([x]) => toX(x)));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs) === xMin ? xMin + 1 : Math.max(...xs);
  const yMin = Math.min(0, ...ys);
  const yMaxRaw = Math.max(...ys);
  const yMax = yMaxRaw === yMin ? yMin + 1 : yMaxRaw * 1.05;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((toX(x) - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const f = (n: number) => n.toFixed(1);

  const yTicks = niceTicks(yMin, yMax)
    .map(
      (tick) =>
        `<line class="grid" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${f(sy(tick))}" y2="${f(sy(tick))}"/><text class="tick" x="${MARGIN.left - 6}" y="${f(sy(tick) + 4)}" text-anchor="end">${formatNumber(tick)}</text>`,
    )
    .join('');
  const xTickValues = percentile
    ? [50, 90, 99, 99.9, 99.99, 99.999].filter(
        (p) => percentileX(p) >= xMin - 1e-9 && percentileX(p) <= xMax + 1e-9,
      )
    : niceTicks(xMin, xMax);
  const xTicks = xTickValues
    .map(
      (tick) =>
        `<text class="tick" x="${f(sx(tick))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${percentile ? `p${tick}` : formatNumber(tick)}</text>`,
    )
    .join('');
  const markers = (options.markers ?? [])
    .map((marker) => {
      // labels near the right edge go to the left of their line so they stay inside the chart
      const x = sx(marker.x);
      const nearEdge = x > WIDTH - MARGIN.right - 80;
      return `<line class="marker" x1="${f(x)}" x2="${f(x)}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/><text class="marker-label" x="${f(nearEdge ? x - 4 : x + 4)}" y="${MARGIN.top + 12}" text-anchor="${nearEdge ? 'end' : 'start'}">${escapeHtml(marker.label)}</text>`;
    })
    .join('');
  const lines = series
    .map((s, index) => {
      const color = PALETTE[index % PALETTE.length]!;
      const points = s.points.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ');
      const name = escapeHtml(s.name);
      return s.markersOnly
        ? `<g class="dots" data-s="${name}" fill="${color}">${s.points.map(([x, y]) => `<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3"/>`).join('')}</g>`
        : `<polyline class="series" fill="none" stroke="${color}" data-s="${name}" points="${points}"><title>${name}</title></polyline>`;
    })
    .join('');
  const legend = series
    .map(
      (s, index) =>
        `<span class="key"><i style="background:${PALETTE[index % PALETTE.length]}"></i>${escapeHtml(s.name)}</span>`,
    )
    .join('');
  const axes =
    `<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>` +
    `<line class="axis" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>` +
    `<text class="label" x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>` +
    `<text class="label" transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}</text>`;
  // The page script inverts pixels to values with these, so no per-point markup is needed.
  const scale = `data-scale="${percentile ? 'percentile' : 'linear'}" data-domain="${xMin},${xMax},${yMin},${yMax}" data-plot="${MARGIN.left},${MARGIN.top},${plotW},${plotH}"`;
  return `<figure class="chart-box"><svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(options.title)}" ${scale}>${title}${yTicks}${xTicks}${axes}${markers}${lines}<line class="cross" x1="0" x2="0" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" visibility="hidden"/></svg><figcaption class="legend">${legend}</figcaption></figure>`;
}
