import { ValidationError } from '@lab/core';

// Words made only of these characters mean the same to every POSIX shell unquoted. `=` is left
// out on purpose: an unquoted `A=b` in command position is an assignment, not a command.
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * Quotes `value` as one shell word (POSIX single-quote style: `'` becomes `'\''`), so that no
 * character in it — spaces, quotes, `$`, backticks, `;`, newlines — is interpreted by the shell.
 * Plain words (`ls`, `/opt/pulsar/bin`, `--name=x` is quoted) are returned as they are.
 * Throws ValidationError for a NUL byte, which no shell word can carry.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) {
    throw new ValidationError('A shell word cannot contain a NUL byte', [
      {
        path: 'argv',
        message: 'contains a NUL byte',
        expected: 'text without NUL',
        received: printable(value),
      },
    ]);
  }
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes every element of `argv` and joins them with spaces: a command line that runs exactly `argv`. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The name `$0` has inside scripts the runner starts, visible in `ps` on the instance. */
export const SCRIPT_NAME = 'lab-ssm-runner';

/**
 * The `commands` parameter that makes the SSM agent run `script` with bash. The agent hands
 * AWS-RunShellScript commands to `sh`, which is dash on Debian and Ubuntu, so the script is
 * passed to bash as one quoted word. SSM itself substitutes `{{ssm:name}}` references inside
 * parameter values; a script containing `{{` therefore travels base64-encoded, so that it
 * reaches bash byte for byte.
 */
export function agentCommands(script: string): string[] {
  if (script.includes('\0')) {
    throw new ValidationError('A script cannot contain a NUL byte', [
      { path: 'script', message: 'contains a NUL byte', expected: 'text without NUL' },
    ]);
  }
  if (script.includes('{{')) {
    const encoded = Buffer.from(script, 'utf8').toString('base64');
    return [`bash -c "$(printf '%s' '${encoded}' | base64 -d)" ${SCRIPT_NAME}`];
  }
  return [`bash -c ${shellQuote(script)} ${SCRIPT_NAME}`];
}

/** Size in bytes of a `commands` parameter as SSM counts it (UTF-8). */
export function commandsSize(commands: readonly string[]): number {
  return commands.reduce((total, command) => total + Buffer.byteLength(command, 'utf8') + 1, 0);
}

function printable(value: string): string {
  const shown = JSON.stringify(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}
