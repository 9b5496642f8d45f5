import type { PathSegment } from './paths.js';

/** Where a resolved value came from. */
export type Provenance =
  /** A shipped defaults file (`@lab/config/configs/<section>/default.yaml`): the first layer. */
  | { kind: 'default'; file: string; line: number; column: number }
  /** A test plan field left out: the test plan schema's own default (test plans have no defaults file). */
  | { kind: 'schema' }
  | { kind: 'file'; file: string; line: number; column: number }
  | { kind: 'flag'; flag: '--set' | '--tag'; argument: string };

/** `default:<file>:<line>`, `schema default`, `file:<path>:<line>` or `flag:--set` / `flag:--tag`. */
export function provenanceLabel(provenance: Provenance): string {
  switch (provenance.kind) {
    case 'default':
      return `default:${provenance.file}:${provenance.line}`;
    case 'schema':
      return 'schema default';
    case 'file':
      return `file:${provenance.file}:${provenance.line}`;
    case 'flag':
      return `flag:${provenance.flag}`;
  }
}

export interface ProvenanceEntry {
  /** Section-qualified dotted path, e.g. `infrastructure.roles.broker.count`. */
  path: string;
  segments: PathSegment[];
  value: unknown;
  provenance: Provenance;
}

/** A plain-text table of path, value and source, one line per leaf. */
export function formatProvenance(entries: readonly ProvenanceEntry[]): string {
  const rows = entries.map((entry) => [
    entry.path,
    renderValue(entry.value),
    provenanceLabel(entry.provenance),
  ]);
  const header = ['PATH', 'VALUE', 'SOURCE'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? '""' : value;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
