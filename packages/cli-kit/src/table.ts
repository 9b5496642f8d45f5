export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | boolean | undefined;
  align?: 'left' | 'right';
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches ANSI colour escapes
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleWidth = (text: string): number => [...text.replace(ANSI, '')].length;

/** A plain-text table with a header row; empty cells are shown as `-`. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = column.value(row);
      return value === undefined || value === '' ? '-' : String(value);
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(visibleWidth(column.header), ...cells.map((row) => visibleWidth(row[index]!))),
  );
  const render = (values: readonly string[]) =>
    values
      .map((value, index) => {
        const padding = ' '.repeat(widths[index]! - visibleWidth(value));
        return columns[index]!.align === 'right' ? padding + value : value + padding;
      })
      .join('  ')
      .trimEnd();
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join('\n');
}
