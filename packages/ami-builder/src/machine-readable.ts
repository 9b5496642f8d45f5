/**
 * One line of `packer -machine-readable` output: `timestamp,target,type,data...`. Commas inside
 * a field are written as `%!(PACKER_COMMA)`, newlines and carriage returns as `\n` and `\r`
 * (Packer does not escape backslashes, so those two sequences are always read as escapes).
 */
export interface PackerLine {
  /** Unix seconds as Packer printed them. */
  timestamp: number;
  /** The build (`amazon-ebs.pulsar`), or empty for UI and global lines. */
  target: string;
  /** `ui`, `artifact`, `artifact-count`, `error-count`, `error`, `version` … */
  type: string;
  /** The remaining fields, unescaped. */
  data: string[];
}

/** A Packer line interpreted for the build driver. */
export type PackerMessage =
  | { kind: 'say' | 'message' | 'error'; target: string; text: string }
  | { kind: 'artifact'; target: string; index: number; key: string; values: string[] }
  | { kind: 'error-count'; count: number }
  | { kind: 'other'; line: PackerLine };

const COMMA = '%!(PACKER_COMMA)';

/** Undoes Packer's escaping of one field. */
export function unescapePackerField(field: string): string {
  let out = '';
  for (let index = 0; index < field.length; index += 1) {
    const char = field[index]!;
    if (char === '%' && field.startsWith(COMMA, index)) {
      out += ',';
      index += COMMA.length - 1;
    } else if (char === '\\' && index + 1 < field.length) {
      const next = field[index + 1]!;
      if (next === 'n') {
        out += '\n';
        index += 1;
      } else if (next === 'r') {
        out += '\r';
        index += 1;
      } else {
        out += char;
      }
    } else {
      out += char;
    }
  }
  return out;
}

/**
 * Parses one machine-readable line; returns undefined for anything else (Packer prints plain
 * text before it parses its flags, plugins may print to stdout).
 */
export function parsePackerLine(raw: string): PackerLine | undefined {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const fields = line.split(',');
  if (fields.length < 3) return undefined;
  const [stamp, target, type] = fields as [string, string, string];
  if (!/^\d+$/.test(stamp) || type === '') return undefined;
  return {
    timestamp: Number(stamp),
    target,
    type,
    data: fields.slice(3).map(unescapePackerField),
  };
}

/** What a parsed line means to a build driver. */
export function interpretPackerLine(line: PackerLine): PackerMessage {
  if (line.type === 'ui') {
    const [kind, ...rest] = line.data;
    if (kind === 'say' || kind === 'message' || kind === 'error') {
      return { kind, target: line.target, text: rest.join(',') };
    }
  }
  if (line.type === 'artifact' && line.data.length >= 2) {
    const [index, key, ...values] = line.data as [string, string, ...string[]];
    if (/^\d+$/.test(index)) {
      return { kind: 'artifact', target: line.target, index: Number(index), key, values };
    }
  }
  if (line.type === 'error-count' && line.data[0] !== undefined && /^\d+$/.test(line.data[0])) {
    return { kind: 'error-count', count: Number(line.data[0]) };
  }
  if (line.type === 'error') {
    return { kind: 'error', target: line.target, text: line.data.join(',') };
  }
  return { kind: 'other', line };
}

/** One artifact of a finished build, assembled from its `artifact` lines. */
export interface PackerArtifact {
  target: string;
  index: number;
  builderId: string | undefined;
  /** The `id` line as Packer printed it: `us-east-1:ami-0abc,eu-west-1:ami-0def`. */
  id: string | undefined;
  /** The `string` line: Packer's human description. */
  description: string | undefined;
}

/** Collects `artifact` lines into artifacts, keyed by target and index. */
export class ArtifactCollector {
  readonly #artifacts = new Map<string, PackerArtifact>();

  add(message: Extract<PackerMessage, { kind: 'artifact' }>): void {
    const key = `${message.target}#${message.index}`;
    const artifact = this.#artifacts.get(key) ?? {
      target: message.target,
      index: message.index,
      builderId: undefined,
      id: undefined,
      description: undefined,
    };
    const value = message.values.join(',');
    if (message.key === 'builder-id') artifact.builderId = value;
    if (message.key === 'id') artifact.id = value;
    if (message.key === 'string') artifact.description = value;
    this.#artifacts.set(key, artifact);
  }

  get artifacts(): PackerArtifact[] {
    return [...this.#artifacts.values()];
  }
}

/**
 * The AMI ids of an amazon-ebs artifact id: `us-east-1:ami-0abc,eu-west-1:ami-0def` →
 * `{ 'us-east-1': 'ami-0abc', 'eu-west-1': 'ami-0def' }`.
 */
export function parseAmiArtifactId(id: string): Record<string, string> {
  const amis: Record<string, string> = {};
  for (const part of id.split(',')) {
    const separator = part.indexOf(':');
    if (separator <= 0) continue;
    const region = part.slice(0, separator).trim();
    const ami = part.slice(separator + 1).trim();
    if (/^ami-[0-9a-f]+$/.test(ami)) amis[region] = ami;
  }
  return amis;
}
