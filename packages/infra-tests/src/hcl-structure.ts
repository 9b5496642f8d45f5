/**
 * The syntax hcl2json's JSON loses: whether a body item was written as an argument (`key = …`)
 * or as a block (`key { … }`), and on which line. hcl2json turns both `root_block_device { … }`
 * and `root_block_device = [{ … }]` into the same list of objects. This scanner reads only the
 * structure of bodies (items, labels, nesting) and skips expressions, strings (with templates),
 * heredocs and comments; the schema check compares its items with hcl2json's keys for every body
 * it looks at, so a disagreement fails loudly instead of passing silently.
 */
export interface HclItem {
  key: string;
  kind: 'attribute' | 'block';
  /** Block labels (`resource "aws_vpc" "this"` → ["aws_vpc", "this"]). */
  labels: string[];
  /** 1-based line of the key. */
  line: number;
  /** Items of a block's body. */
  body: HclItem[];
}

export function scanHcl(text: string): HclItem[] {
  const scanner = new Scanner(text);
  const items = scanner.body(false);
  return items;
}

class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  private get char(): string {
    return this.text[this.pos] ?? '';
  }

  private line(at = this.pos): number {
    let line = 1;
    for (let index = 0; index < at; index++) if (this.text[index] === '\n') line++;
    return line;
  }

  private fail(message: string): never {
    throw new Error(`HCL structure, line ${this.line()}: ${message}`);
  }

  /** Items until the end of the text, or until the `}` closing a block when `nested`. */
  body(nested: boolean): HclItem[] {
    const items: HclItem[] = [];
    for (;;) {
      this.skipSpace(true);
      if (this.pos >= this.text.length) {
        if (nested) this.fail('unclosed block');
        return items;
      }
      if (this.char === '}') {
        if (!nested) this.fail('unexpected }');
        this.pos++;
        return items;
      }
      const start = this.pos;
      const key = this.identifier();
      if (key === '') this.fail(`unexpected ${JSON.stringify(this.char)}`);
      this.skipSpace(false);
      if (this.char === '=' && this.text[this.pos + 1] !== '=') {
        this.pos++;
        this.expression();
        items.push({ key, kind: 'attribute', labels: [], line: this.line(start), body: [] });
        continue;
      }
      const labels: string[] = [];
      while (this.char !== '{') {
        if (this.char === '"') labels.push(this.quoted());
        else {
          const label = this.identifier();
          if (label === '') this.fail(`expected = or { after ${key}`);
          labels.push(label);
        }
        this.skipSpace(false);
      }
      this.pos++;
      const body = this.body(true);
      items.push({ key, kind: 'block', labels, line: this.line(start), body });
    }
  }

  private identifier(): string {
    const match = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.pos, this.pos + 200));
    if (match === null) return '';
    this.pos += match[0].length;
    return match[0];
  }

  /** Skips blanks and comments; newlines too when `newlines`. */
  private skipSpace(newlines: boolean): void {
    for (;;) {
      const char = this.char;
      if (char === ' ' || char === '\t' || char === '\r' || (newlines && char === '\n')) this.pos++;
      else if (char === '#' || (char === '/' && this.text[this.pos + 1] === '/')) {
        while (this.pos < this.text.length && this.char !== '\n') this.pos++;
      } else if (char === '/' && this.text[this.pos + 1] === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unclosed comment');
        this.pos = end + 2;
      } else return;
    }
  }

  /** A quoted label's text (no templates in labels). */
  private quoted(): string {
    const start = this.pos + 1;
    this.skipString();
    return this.text.slice(start, this.pos - 1);
  }

  /**
   * Skips an argument's expression: up to a newline or a `}` closing the enclosing block, at
   * bracket depth 0.
   */
  private expression(): void {
    let depth = 0;
    while (this.pos < this.text.length) {
      const char = this.char;
      if (char === '"') this.skipString();
      else if (
        char === '<' &&
        this.text[this.pos + 1] === '<' &&
        /^<<-?[A-Za-z_]/.test(this.text.slice(this.pos, this.pos + 4))
      )
        this.skipHeredoc();
      else if (
        char === '#' ||
        (char === '/' && (this.text[this.pos + 1] === '/' || this.text[this.pos + 1] === '*'))
      )
        this.skipSpace(false);
      else if (char === '(' || char === '[' || char === '{') {
        depth++;
        this.pos++;
      } else if (char === ')' || char === ']' || char === '}') {
        if (depth === 0) return; // the enclosing block's `}`
        depth--;
        this.pos++;
      } else if (char === '\n' && depth === 0) return;
      else this.pos++;
    }
  }

  /** Skips a quoted string, including `${…}` and `%{…}` templates with strings inside. */
  private skipString(): void {
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const char = this.char;
      if (char === '\\') this.pos += 2;
      else if (char === '"') {
        this.pos++;
        return;
      } else if ((char === '$' || char === '%') && this.text[this.pos + 1] === '{') {
        if (this.text[this.pos - 1] === char) {
          this.pos += 2; // `$${` is an escaped, literal `${`
          continue;
        }
        this.pos += 2;
        this.templateExpression();
      } else if (char === '\n') this.fail('newline in a quoted string');
      else this.pos++;
    }
    this.fail('unclosed string');
  }

  /** Skips up to the `}` that closes a template interpolation. */
  private templateExpression(): void {
    let depth = 0;
    while (this.pos < this.text.length) {
      const char = this.char;
      if (char === '"') this.skipString();
      else if (char === '{') {
        depth++;
        this.pos++;
      } else if (char === '}') {
        this.pos++;
        if (depth === 0) return;
        depth--;
      } else this.pos++;
    }
    this.fail('unclosed template');
  }

  private skipHeredoc(): void {
    const match = /^<<-?([A-Za-z_]\w*)[^\n]*\n/.exec(this.text.slice(this.pos));
    if (match === null) this.fail('bad heredoc');
    const marker = match[1]!;
    this.pos += match[0].length;
    const end = new RegExp(`^\\s*${marker}\\s*$`, 'm').exec(this.text.slice(this.pos));
    if (end === null) this.fail(`unclosed heredoc ${marker}`);
    this.pos += end.index + end[0].length;
  }
}
