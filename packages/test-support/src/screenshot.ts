// A screen of the pty harness as a picture (SVG) or as text, for documentation that shows what
// a person sees: the same bytes, interpreted by the same terminal emulator as in the tests.

/** A run of cells with the same look. */
export interface StyledRun {
  text: string;
  /** Palette colour 0–15, or a 24-bit `#rrggbb`; undefined: the default foreground. */
  color?: number | string;
  bold?: boolean;
  dim?: boolean;
}

export type StyledRow = StyledRun[];

/** The cell API of @xterm/headless that a screenshot reads. */
export interface CellLike {
  getChars(): string;
  getWidth(): number;
  getFgColor(): number;
  isFgPalette(): boolean;
  isFgRGB(): boolean;
  isBold(): number;
  isDim(): number;
}

/** One row of cells as runs of the same look (trailing blanks dropped). */
export function styledRow(cells: readonly CellLike[]): StyledRow {
  const runs: StyledRow = [];
  for (const cell of cells) {
    if (cell.getWidth() === 0) continue;
    const color = cell.isFgPalette()
      ? cell.getFgColor()
      : cell.isFgRGB()
        ? `#${cell.getFgColor().toString(16).padStart(6, '0')}`
        : undefined;
    const look = { color, bold: cell.isBold() !== 0, dim: cell.isDim() !== 0 };
    const text = cell.getChars() === '' ? ' ' : cell.getChars();
    const last = runs.at(-1);
    if (last !== undefined && last.color === look.color && last.bold === look.bold && last.dim === look.dim) {
      last.text += text;
    } else {
      runs.push({ text, ...look });
    }
  }
  while (runs.length > 0 && runs.at(-1)!.text.trimEnd() === '') runs.pop();
  const last = runs.at(-1);
  if (last !== undefined) last.text = last.text.trimEnd();
  return runs;
}

/** The screen as plain text, one line per row, trailing blank rows dropped. */
export function screenText(rows: readonly StyledRow[]): string {
  const lines = rows.map((row) => row.map((run) => run.text).join(''));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

/** A dark theme's 16 colours (VS Code's terminal), index = ANSI palette number. */
const PALETTE = [
  '#000000',
  '#cd3131',
  '#0dbc79',
  '#e5e510',
  '#2472c8',
  '#bc3fbc',
  '#11a8cd',
  '#e5e5e5',
  '#666666',
  '#f14c4c',
  '#23d18b',
  '#f5f543',
  '#3b8eea',
  '#d670d6',
  '#29b8db',
  '#e5e5e5',
];
const FOREGROUND = '#cccccc';
const BACKGROUND = '#1e1e1e';
const CELL_WIDTH = 8.4;
const LINE_HEIGHT = 18;
const PADDING = 12;

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface SvgOptions {
  columns: number;
  /** Shown in the window's title bar. */
  title?: string;
}

/** The screen as an SVG picture of a terminal window (monospace cells, colours, bold, dim). */
export function screenSvg(rows: readonly StyledRow[], options: SvgOptions): string {
  const shown = [...rows];
  while (shown.length > 0 && shown.at(-1)!.length === 0) shown.pop();
  const bar = options.title === undefined ? 0 : 28;
  const width = Math.ceil(options.columns * CELL_WIDTH + 2 * PADDING);
  const height = Math.ceil(shown.length * LINE_HEIGHT + 2 * PADDING + bar);
  const lines = shown.map((row, index) => {
    let column = 0;
    const spans = row.map((run) => {
      const x = (PADDING + column * CELL_WIDTH).toFixed(1);
      column += [...run.text].length;
      const color =
        run.color === undefined ? undefined : typeof run.color === 'number' ? PALETTE[run.color] : run.color;
      const attributes = [
        `x="${x}"`,
        color === undefined ? '' : `fill="${color}"`,
        run.bold === true ? 'font-weight="bold"' : '',
        run.dim === true ? 'opacity="0.6"' : '',
      ]
        .filter((attribute) => attribute !== '')
        .join(' ');
      return `<tspan ${attributes}>${escapeXml(run.text)}</tspan>`;
    });
    const y = bar + PADDING + (index + 1) * LINE_HEIGHT - 4;
    return `  <text y="${y}" xml:space="preserve">${spans.join('')}</text>`;
  });
  const title =
    options.title === undefined
      ? []
      : [
          `  <rect width="${width}" height="${bar}" fill="#333333"/>`,
          ...['#ff5f56', '#ffbd2e', '#27c93f'].map(
            (fill, index) => `  <circle cx="${16 + index * 18}" cy="${bar / 2}" r="5.5" fill="${fill}"/>`,
          ),
          `  <text x="${width / 2}" y="${bar / 2 + 4}" text-anchor="middle" fill="#aaaaaa" font-size="12">${escapeXml(options.title)}</text>`,
        ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace" font-size="14" fill="${FOREGROUND}">`,
    `  <title>${escapeXml(options.title ?? 'A terminal screen')}</title>`,
    `  <rect width="${width}" height="${height}" rx="6" fill="${BACKGROUND}"/>`,
    ...title,
    ...lines,
    '</svg>',
    '',
  ].join('\n');
}
