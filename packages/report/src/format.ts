export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** The one mark for an unknown value, in every table cell. */
export const UNKNOWN = '–';

/** Compact number: 12.3k, 1.2M, 0.45; unknown or non-finite is "–", never 0. */
export function formatNumber(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return UNKNOWN;
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  if (abs >= 100 || abs === 0) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** A ratio as a signed or plain percentage: 0.1234 → "12.3 %". */
export const formatPercent = (ratio: number | undefined | null, signed = false): string =>
  ratio === undefined || ratio === null || !Number.isFinite(ratio)
    ? UNKNOWN
    : `${signed && ratio > 0 ? '+' : ''}${(ratio * 100).toFixed(1)} %`;
