/**
 * A file-name-safe form of `text`: lowercase letters, digits and single hyphens, at most
 * `maxLength` characters, never empty. Safe in a path, a shell word and an S3 key.
 */
export function sanitizeName(text: string, maxLength = 60): string {
  const cleaned = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return cleaned === '' ? 'run' : cleaned;
}

/** `10000` → `10k`, `2000000` → `2m`, `2500` → `2500`: short numbers for run names. */
export function shortNumber(value: number): string {
  if (value >= 1_000_000 && value % 1_000_000 === 0) return `${value / 1_000_000}m`;
  if (value >= 1000 && value % 1000 === 0) return `${value / 1000}k`;
  return String(value);
}

/** `1024` → `1kb`, `1048576` → `1mb`, `100` → `100b`. */
export function shortSize(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}mb`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}kb`;
  return `${bytes}b`;
}
