import { singleLine, truncate, visibleWidth } from './width.js';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | undefined;
  align?: 'left' | 'right';
  /**
   * Gives up width first when the table is wider than the terminal: free text (names, errors,
   * lists) shrinks before the ids a person checks.
   */
  shrink?: boolean;
  /** The narrowest this column is made when shrinking. Default: its header's width, at least 4. */
  minWidth?: number;
  /**
   * Left out when the table does not fit even with the shrinkable columns at their minimum
   * (details a narrow terminal can do without; `--json` and piped output still have them).
   */
  optional?: boolean;
}

export interface TableOptions {
  /**
   * Fit every row into this many cells (the terminal's width, see `terminalWidth`): long cells
   * end in `…` and no row wraps. Omit it for full values (piped output, files).
   */
  width?: number | undefined;
}

const GAP = 2;

/**
 * A plain-text table with a header row; empty cells are shown as `-`, and line breaks inside a
 * cell become spaces so that a row stays one line.
 */
export function formatTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  options: TableOptions = {},
): string {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = column.value(row);
      return value === undefined || value === '' ? '-' : singleLine(String(value));
    }),
  );
  const natural = columns.map((column, index) =>
    Math.max(visibleWidth(column.header), ...cells.map((row) => visibleWidth(row[index]!))),
  );
  const widths = options.width === undefined ? natural : fitWidths(natural, columns, options.width);
  const render = (values: readonly string[]) => {
    const line = values
      .flatMap((value, index) => {
        const width = widths[index];
        if (width === undefined) return [];
        const cell = truncate(value, width);
        const padding = ' '.repeat(Math.max(0, width - visibleWidth(cell)));
        return [columns[index]!.align === 'right' ? padding + cell : cell + padding];
      })
      .join(' '.repeat(GAP))
      .trimEnd();
    return options.width === undefined ? line : truncate(line, options.width);
  };
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join('\n');
}

/**
 * Column widths that fit `total` cells (undefined: the column is left out). The shrinkable
 * columns give up width first, widest first, down to their minimum; then the optional columns
 * are left out, last first; then every column shrinks, widest first. Rows that still do not fit
 * (too many columns for the terminal) are cut at its edge by the caller.
 */
function fitWidths<Row>(
  natural: readonly number[],
  columns: readonly Column<Row>[],
  total: number,
): Array<number | undefined> {
  const widths: Array<number | undefined> = [...natural];
  const excess = () => {
    const shown = widths.filter((width) => width !== undefined);
    return shown.reduce((sum, width) => sum + width, 0) + GAP * (shown.length - 1) - total;
  };
  const minimum = (index: number) =>
    Math.min(natural[index]!, columns[index]!.minWidth ?? Math.max(4, visibleWidth(columns[index]!.header)));
  const shrinkAmong = (candidates: readonly number[]) => {
    let over = excess();
    while (over > 0) {
      let widest: number | undefined;
      for (const index of candidates) {
        const width = widths[index];
        if (
          width !== undefined &&
          width > minimum(index) &&
          (widest === undefined || width > widths[widest]!)
        ) {
          widest = index;
        }
      }
      if (widest === undefined) return;
      widths[widest] = widths[widest]! - 1;
      over -= 1;
    }
  };
  const all = columns.map((_, index) => index);
  shrinkAmong(all.filter((index) => columns[index]!.shrink === true));
  for (const index of [...all].reverse()) {
    if (excess() <= 0) break;
    if (columns[index]!.optional === true) widths[index] = undefined;
  }
  // Leaving columns out may have made room: give it back to the shrinkable ones.
  for (const index of all.filter((candidate) => columns[candidate]!.shrink === true)) {
    const width = widths[index];
    if (width === undefined) continue;
    widths[index] = Math.min(natural[index]!, width + Math.max(0, -excess()));
  }
  shrinkAmong(all);
  return widths;
}
