/** What a terminal shows of a text: its width in cells, and how to cut it to fit. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches ANSI escape sequences (CSI)
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an escape sequence (kept) or another control character
const ESCAPE_OR_CONTROL = /(\u001b\[[0-?]*[ -/]*[@-~])|[\u0000-\u001f\u007f-\u009f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an escape sequence at a given position
const ESCAPE_AT = /\u001b\[[0-?]*[ -/]*[@-~]/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: an SGR (colour) sequence
const SGR = /\u001b\[[0-9;]*m/;

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** `text` on one line: line breaks, tabs and other control characters become spaces (escapes are kept). */
export function singleLine(text: string): string {
  return text.replace(ESCAPE_OR_CONTROL, (_match, sequence: string | undefined) => sequence ?? ' ');
}

/**
 * Cells one code point takes: 0 for combining marks and zero-width characters, 2 for East Asian
 * wide characters and emoji, 1 otherwise.
 */
export function cellWidth(codePoint: number): 0 | 1 | 2 {
  if (
    (codePoint >= 0x300 && codePoint <= 0x36f) ||
    (codePoint >= 0x200b && codePoint <= 0x200f) ||
    (codePoint >= 0xfe00 && codePoint <= 0xfe0f)
  ) {
    return 0;
  }
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x1f300 && codePoint <= 0x1f64f) ||
    (codePoint >= 0x1f900 && codePoint <= 0x1f9ff) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** The cells `text` takes on a terminal, ANSI escapes excluded. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const character of stripAnsi(text)) width += cellWidth(character.codePointAt(0)!);
  return width;
}

/**
 * `text` cut to at most `width` cells, ending in `…` when cut. Escape sequences are kept; when a
 * colour was cut short, a reset follows so it does not bleed into what comes next.
 */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 0) return '';
  const budget = width - 1;
  let used = 0;
  let result = '';
  let coloured = false;
  let index = 0;
  while (index < text.length) {
    ESCAPE_AT.lastIndex = index;
    const sequence = ESCAPE_AT.exec(text);
    if (sequence !== null) {
      result += sequence[0];
      coloured ||= SGR.test(sequence[0]);
      index += sequence[0].length;
      continue;
    }
    const codePoint = text.codePointAt(index)!;
    const cells = cellWidth(codePoint);
    if (used + cells > budget) break;
    result += String.fromCodePoint(codePoint);
    used += cells;
    index += codePoint > 0xffff ? 2 : 1;
  }
  return `${result}…${coloured ? '\u001b[0m' : ''}`;
}

/** The width to fit output to: the terminal's columns, or undefined when `stream` is not a terminal (keep full values). */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  return stream.isTTY === true && stream.columns !== undefined && stream.columns > 0
    ? stream.columns
    : undefined;
}
