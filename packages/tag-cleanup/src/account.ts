import { LabError, ValidationError } from '@lab/core';

const ACCOUNT_ID = /^\d{12}$/;

/**
 * Refuses to run unless the credentials belong to one of `allowed` (checked before anything is
 * listed). Returns the account id, or undefined when there is no allow-list.
 */
export async function checkAccount(
  allowed: readonly string[] | undefined,
  accountId: ((signal?: AbortSignal) => Promise<string>) | undefined,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  if (allowed === undefined || allowed.length === 0) return undefined;
  const bad = allowed.filter((id) => !ACCOUNT_ID.test(id));
  if (bad.length > 0) {
    throw new ValidationError(
      'Invalid allowed account id(s)',
      bad.map((id) => ({
        path: 'allowedAccounts',
        message: 'not an AWS account id',
        expected: '12 digits',
        received: id,
      })),
    );
  }
  if (accountId === undefined) {
    throw new LabError(
      'ACCOUNT_UNKNOWN',
      'An account allow-list was given but the provider cannot tell the account',
    );
  }
  const account = await accountId(signal);
  if (!allowed.includes(account)) {
    throw new LabError(
      'ACCOUNT_NOT_ALLOWED',
      `Refusing to run in account ${account}: not in the allow-list`,
      {
        hint: `Allowed: ${allowed.join(', ')}. Check --profile / AWS_PROFILE.`,
        details: { accountId: account, allowed },
      },
    );
  }
  return account;
}
