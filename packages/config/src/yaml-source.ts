import { ValidationError, type ValidationIssue } from '@lab/core';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { type PathSegment, pathKey } from './paths.js';

export interface Position {
  line: number;
  column: number;
}

/** Where a node of a YAML file is: its key (in a mapping) and its value. */
export interface NodeLocation {
  key: Position;
  value: Position;
}

/** A parsed YAML file: its plain value and where each node came from. */
export interface YamlSource {
  file: string;
  value: unknown;
  /** By internal path key (see `pathKey`), for every mapping entry and sequence item. */
  locations: ReadonlyMap<string, NodeLocation>;
}

/**
 * Parses YAML text keeping the line and column of every node. Syntax errors, duplicate keys and
 * unresolved tags are reported all at once as a ValidationError with positions. An empty file
 * is an empty mapping.
 */
export function parseYamlSource(text: string, options: { file: string }): YamlSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    const issues: ValidationIssue[] = problems.map((problem) => {
      const position = lineCounter.linePos(problem.pos[0]);
      return {
        path: '',
        file: options.file,
        line: position.line,
        column: position.col,
        message: `YAML ${problem.code === 'DUPLICATE_KEY' ? 'duplicate key' : 'syntax error'}: ${firstLine(problem.message)}`,
      };
    });
    throw new ValidationError(`${options.file} is not valid YAML`, issues, {
      hint: 'Fix the YAML syntax at the positions shown',
    });
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ValidationError(
      `${options.file} could not be read as data`,
      [{ path: '', file: options.file, message: error instanceof Error ? error.message : String(error) }],
      { hint: 'Avoid deeply nested aliases and custom tags' },
    );
  }
  const locations = new Map<string, NodeLocation>();
  const at = (offset: number): Position => {
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const keyPosition = keyNode?.range ? at(keyNode.range[0]) : { line: 1, column: 1 };
        const valueNode = pair.value as Node | null;
        const childPath = [...path, key];
        locations.set(pathKey(childPath), {
          key: keyPosition,
          value: valueNode?.range ? at(valueNode.range[0]) : keyPosition,
        });
        walk(valueNode, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const itemNode = item as Node | null;
        const position = itemNode?.range ? at(itemNode.range[0]) : { line: 1, column: 1 };
        const childPath = [...path, index];
        locations.set(pathKey(childPath), { key: position, value: position });
        walk(itemNode, childPath);
      });
    }
    // An alias reuses another node: issues under it are located at the alias itself.
  };
  walk(document.contents, []);
  return { file: options.file, value: value ?? {}, locations };
}

function firstLine(message: string): string {
  return message.split('\n')[0]?.trim() ?? message;
}
