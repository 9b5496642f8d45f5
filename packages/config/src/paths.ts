/** One step of a path into a configuration: an object key or an array index. */
export type PathSegment = string | number;

/** The dotted form users see and type (`roles.bookkeeper.count`, `runs.0.producerRate`). */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments.map(String).join('.');
}

// Internal map key: unambiguous even when a key (a tag, a setting) contains dots.
const SEPARATOR = '\u001f';

export function pathKey(segments: readonly PathSegment[]): string {
  return segments.map(String).join(SEPARATOR);
}

export function isUnder(key: string, prefix: string): boolean {
  return prefix === '' || key === prefix || key.startsWith(`${prefix}${SEPARATOR}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `segments`, or undefined. */
export function getIn(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

/** Every leaf (scalar, empty object or array) under `value`, with its path. */
export function leaves(value: unknown, prefix: PathSegment[] = []): Array<[PathSegment[], unknown]> {
  if (Array.isArray(value) && value.length > 0) {
    return value.flatMap((item, index) => leaves(item, [...prefix, index]));
  }
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, [...prefix, key]));
  }
  return value === undefined ? [] : [[prefix, value]];
}

/** A short, readable rendering of a found value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (isPlainObject(value)) return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The closest candidate, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // An abbreviation (`infra`) is as likely as a typo.
  const lower = word.toLowerCase();
  const byPrefix = candidates.filter(
    (candidate) => lower.length >= 3 && candidate.toLowerCase().startsWith(lower),
  );
  if (byPrefix.length === 1) return byPrefix[0];
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
