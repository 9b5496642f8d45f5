import { PollTimeoutError, pollUntil } from '@lab/backoff';
import type { DeleteContext, DeleteOutcome } from '../../execute.js';
import { type Resource, resourceKey } from '../../model.js';
import { type AwsContext, allPages, ignoreNotFound, isNotFound } from '../context.js';

/** Deletes resources of one type in one region; one outcome per resource. */
export type TypeDeleter = (
  context: AwsContext,
  resources: readonly Resource[],
  run: DeleteContext,
) => Promise<DeleteOutcome[]>;

export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
};

/** Turns the result of deleting one resource into an outcome: NotFound means it is already gone. */
export async function outcomeOf(resource: Resource, work: () => Promise<unknown>): Promise<DeleteOutcome> {
  const key = resourceKey(resource);
  try {
    await work();
    return { key, status: 'deleted' };
  } catch (error) {
    if (isNotFound(error)) return { key, status: 'gone' };
    return { key, status: 'failed', error };
  }
}

/** One call per resource, `concurrency` at a time: for APIs without a batch form. */
export const each =
  (work: (context: AwsContext, resource: Resource, run: DeleteContext) => Promise<unknown>): TypeDeleter =>
  (context, resources, run) =>
    context.map(resources, (resource) => outcomeOf(resource, () => work(context, resource, run)));

export const ec2For = (context: AwsContext, resource: Resource) => context.clientsFor(resource.region).ec2;

/**
 * Lists everything `list` pages through, then applies `act` to each item in turn; an item that
 * is already gone (NotFound) is no error. The shape of "detach every policy, then delete".
 */
export async function forEachListed<Item>(
  list: (token: string | undefined) => Promise<{ items: Item[] | undefined; next: string | undefined }>,
  act: (item: Item) => Promise<unknown>,
): Promise<void> {
  for (const item of await allPages(list)) await act(item).catch(ignoreNotFound);
}

/** Waits until `pending` ids are gone; returns the ids still pending at the deadline, with the timeout. */
async function waitGone(
  context: AwsContext,
  run: DeleteContext,
  description: string,
  pending: readonly string[],
  check: (ids: readonly string[]) => Promise<Set<string>>,
): Promise<{ stillThere: Set<string>; error?: PollTimeoutError }> {
  if (pending.length === 0) return { stillThere: new Set() };
  let stillThere = new Set(pending);
  try {
    await pollUntil(
      async () => {
        stillThere = await check([...stillThere]);
        return stillThere.size;
      },
      {
        until: (left) => left === 0,
        deadline: run.deadline,
        description,
        ...context.waitSchedule,
        clock: context.clock,
        sleep: context.sleep,
        ...(run.signal === undefined ? {} : { signal: run.signal }),
        onAttempt: (info) => {
          if (!info.done && info.nextDelayMs !== undefined) {
            context.emitter.emit(
              'wait',
              `Waiting for ${description}: ${stillThere.size} left`,
              { left: stillThere.size },
              'debug',
            );
          }
        },
      },
    );
    return { stillThere };
  } catch (error) {
    if (error instanceof PollTimeoutError) return { stillThere, error };
    throw error;
  }
}

/**
 * Waits for every resource whose deletion was accepted (`deleted`) to be really gone, and turns
 * those still there at the deadline into failures carrying `stillMessage` (or the timeout).
 */
export async function confirmGone(
  context: AwsContext,
  run: DeleteContext,
  description: (count: number) => string,
  entries: ReadonlyArray<{ id: string; outcome: DeleteOutcome }>,
  check: (ids: readonly string[]) => Promise<Set<string>>,
  stillMessage: string,
): Promise<DeleteOutcome[]> {
  const pending = entries.filter((entry) => entry.outcome.status === 'deleted').map((entry) => entry.id);
  const { stillThere, error } = await waitGone(context, run, description(pending.length), pending, check);
  return entries.map(({ id, outcome }) =>
    outcome.status === 'deleted' && stillThere.has(id)
      ? { key: outcome.key, status: 'failed', error: error ?? new Error(stillMessage) }
      : outcome,
  );
}

/** Batch call with a fallback: when one id makes the whole call fail, isolate it id by id. */
export async function batchOrEach(
  resources: readonly Resource[],
  batch: (ids: string[]) => Promise<unknown>,
  map: AwsContext['map'],
): Promise<DeleteOutcome[]> {
  try {
    await batch(resources.map((resource) => resource.id));
    return resources.map((resource) => ({ key: resourceKey(resource), status: 'deleted' as const }));
  } catch (error) {
    if (resources.length === 1) {
      return [
        isNotFound(error)
          ? { key: resourceKey(resources[0]!), status: 'gone' }
          : { key: resourceKey(resources[0]!), status: 'failed', error },
      ];
    }
    return map(resources, (resource) => outcomeOf(resource, () => batch([resource.id])));
  }
}
