import { singleLine, truncate, visibleWidth } from './width.js';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | undefined;
  align?: 'left' | 'right';
  /**
   * May give up width when the table is wider than the terminal, down to `minWidth` (default its
   * header's width, at least 4): free text such as names, errors and lists.
   */
  shrink?: boolean;
  /**
   * The narrowest this column is made before optional columns are left out. On a column without
   * `shrink` it allows shrinking down to it: an id column with `minWidth` 26 keeps every EC2 id
   * whole and cuts only longer names (ARNs).
   */
  minWidth?: number;
  /**
   * Left out when the table does not fit even with the shrinking columns at their minimum
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

/** What the shrinking columns keep while other columns still have width to give: most names fit. */
const COMFORTABLE = 20;

/**
 * Column widths that fit `total` cells (undefined: the column is left out). Widest first, one cell
 * at a time: the shrinking columns give up width down to 20 cells (or their minimum when higher);
 * then the columns with a `minWidth` (ids) down to it; then the shrinking columns down to their
 * minimum. If the table still does not fit, the optional columns are left out, last first, and the
 * shrinking starts over; as a last resort every column shrinks to its header. Rows that still do
 * not fit (too many columns for the terminal) are cut at its edge by the caller.
 */
function fitWidths<Row>(
  natural: readonly number[],
  columns: readonly Column<Row>[],
  total: number,
): Array<number | undefined> {
  const all = columns.map((_, index) => index);
  const headerWidth = (index: number) =>
    Math.min(natural[index]!, Math.max(4, visibleWidth(columns[index]!.header)));
  const floor = (index: number) => {
    const column = columns[index]!;
    if (column.minWidth !== undefined) return Math.min(natural[index]!, column.minWidth);
    return column.shrink === true ? headerWidth(index) : natural[index]!;
  };
  const shrinking = (index: number) => columns[index]!.shrink === true;
  const passes: Array<(index: number) => number> = [
    (index) =>
      shrinking(index) ? Math.max(floor(index), Math.min(natural[index]!, COMFORTABLE)) : natural[index]!,
    (index) =>
      shrinking(index) ? Math.max(floor(index), Math.min(natural[index]!, COMFORTABLE)) : floor(index),
    floor,
  ];
  const fit = (left: ReadonlySet<number>, minimums: ReadonlyArray<(index: number) => number>) => {
    const widths: Array<number | undefined> = natural.map((width, index) =>
      left.has(index) ? undefined : width,
    );
    const shown = widths.filter((width) => width !== undefined);
    let over = shown.reduce((sum, width) => sum + width, 0) + GAP * (shown.length - 1) - total;
    for (const minimum of minimums) {
      while (over > 0) {
        let widest: number | undefined;
        for (const index of all) {
          const width = widths[index];
          if (
            width !== undefined &&
            width > minimum(index) &&
            (widest === undefined || width > widths[widest]!)
          ) {
            widest = index;
          }
        }
        if (widest === undefined) break;
        widths[widest] = widths[widest]! - 1;
        over -= 1;
      }
    }
    return { widths, over };
  };
  const leftOut = new Set<number>();
  let attempt = fit(leftOut, passes);
  for (const index of [...all].reverse()) {
    if (attempt.over <= 0) return attempt.widths;
    if (columns[index]!.optional !== true) continue;
    leftOut.add(index);
    attempt = fit(leftOut, passes);
  }
  return attempt.over <= 0 ? attempt.widths : fit(leftOut, [...passes, headerWidth]).widths;
}
