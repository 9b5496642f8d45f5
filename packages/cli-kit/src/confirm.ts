import { createInterface } from 'node:readline/promises';
import { LabError } from '@lab/core';

export interface ConfirmOptions {
  question: string;
  /** `--yes`: confirmed without asking. */
  yes: boolean;
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

/**
 * Asks a yes/no question before a destructive step. `--yes` skips it. Without a terminal to ask
 * on, it refuses (CONFIRMATION_REQUIRED) rather than guessing; "no" is CONFIRMATION_DECLINED.
 */
export async function confirm(options: ConfirmOptions): Promise<void> {
  if (options.yes) return;
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stderr;
  if (input.isTTY !== true) {
    throw new LabError('CONFIRMATION_REQUIRED', `Not confirmed: ${options.question}`, {
      hint: 'There is no terminal to ask on; pass --yes to confirm.',
    });
  }
  const readline = createInterface({ input, output });
  try {
    const answer = (await readline.question(`${options.question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      throw new LabError('CONFIRMATION_DECLINED', 'Declined; nothing was changed.');
    }
  } finally {
    readline.close();
  }
}
