import { ValidationError } from '@lab/core';
import { extendType, flag, option, optional, string } from 'cmd-ts';

export interface GlobalFlagSpec {
  /** Boolean flags, e.g. `--json`. */
  flags: readonly string[];
  /** Flags that take a value, e.g. `--region` (as `--region x` or `--region=x`). */
  options: readonly string[];
}

/**
 * Lets global flags stand anywhere on the line: moves those written before the subcommand to
 * just after it, where cmd-ts parses them. `lab-x --json --region eu-west-1 list` becomes
 * `lab-x list --json --region eu-west-1`.
 */
export function hoistGlobalFlags(
  argv: readonly string[],
  subcommands: readonly string[],
  spec: GlobalFlagSpec,
): string[] {
  const hoisted: string[] = [];
  const rest: string[] = [];
  let index = 0;
  while (index < argv.length) {
    const token = argv[index]!;
    if (subcommands.includes(token)) {
      return [...rest, token, ...hoisted, ...argv.slice(index + 1)];
    }
    const name = token.split('=')[0]!;
    if (spec.flags.includes(token)) {
      hoisted.push(token);
    } else if (spec.options.includes(name)) {
      hoisted.push(token);
      if (!token.includes('=') && index + 1 < argv.length) {
        index += 1;
        hoisted.push(argv[index]!);
      }
    } else {
      rest.push(token);
    }
    index += 1;
  }
  return [...rest, ...hoisted];
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `90s`, `15m`, `6h`, `2d` into milliseconds. */
export function parseDuration(text: string, field = 'duration'): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new ValidationError(`Invalid ${field} ${JSON.stringify(text)}`, [
      {
        path: field,
        message: 'not a duration',
        expected: 'a number and a unit: ms, s, m, h or d (e.g. 6h)',
        received: text,
      },
    ]);
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A cmd-ts type for durations such as `6h`. */
export const duration = extendType(string, {
  displayName: 'duration',
  description: 'a duration such as 90s, 15m, 6h, 2d',
  async from(text) {
    return parseDuration(text);
  },
});

/** The flags every lab CLI accepts, to spread into a cmd-ts command's `args`. */
export const globalArgs = {
  region: option({
    long: 'region',
    type: optional(string),
    description: 'AWS region (default: the SDK chain)',
  }),
  profile: option({ long: 'profile', type: optional(string), description: 'named AWS profile' }),
  endpointUrl: option({
    long: 'endpoint-url',
    type: optional(string),
    description: 'AWS endpoint override (moto, LocalStack)',
  }),
  json: flag({ long: 'json', description: 'machine-readable NDJSON on stdout' }),
  yes: flag({ long: 'yes', short: 'y', description: 'do not ask for confirmation' }),
  verbose: flag({ long: 'verbose', short: 'v', description: 'show debug events' }),
};

/** What `globalArgs` parse to. */
export interface GlobalArgValues {
  region: string | undefined;
  profile: string | undefined;
  endpointUrl: string | undefined;
  json: boolean;
  yes: boolean;
  verbose: boolean;
}

export const GLOBAL_FLAG_SPEC: GlobalFlagSpec = {
  flags: ['--json', '--yes', '-y', '--verbose', '-v', '--dry-run'],
  options: ['--region', '--profile', '--endpoint-url'],
};
