import { stat } from 'node:fs/promises';
import { type Emitter, withContext } from '@lab/core';
import { isErrno } from './atomic.js';

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;
const shellQuote = (text: string) => (SHELL_SAFE.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);

/**
 * Checks once, on first use, whether an existing home is open to other users (any group or
 * other permission bit). It holds Terraform state — resource ids, sometimes secrets — and
 * results, so that deserves a warning with the command that fixes it; the user's directory is
 * never changed behind their back. A home the store creates itself is private (0700).
 */
export function homePrivacyCheck(home: string, emitter: Emitter): () => Promise<void> {
  let checked: Promise<void> | undefined;
  const check = async () => {
    let mode: number;
    try {
      mode = (await stat(home)).mode & 0o777;
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
      throw withContext(error, `Checking the permissions of ${home}`);
    }
    if ((mode & 0o077) === 0) return;
    const octal = mode.toString(8).padStart(3, '0');
    const readable = (mode & 0o044) !== 0;
    emitter.emit(
      'home.not-private',
      `${home} is ${readable ? 'readable' : 'accessible'} by other users (mode ${octal}); it holds Terraform state and results. Make it private with: chmod 700 ${shellQuote(home)}`,
      { home, mode: octal, command: `chmod 700 ${shellQuote(home)}` },
      'warn',
    );
  };
  return () => {
    checked ??= check();
    return checked;
  };
}
