import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AbortedError, abortReason, withChildSignal } from '../src/index.js';

/** Stands for an SDK request: an abort listener on its signal while in flight, removed at the end. */
function request(signal: AbortSignal | undefined, done: Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    void done.then(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve('ok');
    });
  });
}

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('withChildSignal', () => {
  it('keeps one listener on the parent however many operations are in flight, none after', async () => {
    const parent = new AbortController().signal;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const inFlight = Array.from({ length: 50 }, () =>
      withChildSignal(parent, (signal) => request(signal, done)),
    );
    expect(listeners(parent)).toBe(1);
    finish();
    expect(await Promise.all(inFlight)).toHaveLength(50);
    expect(listeners(parent)).toBe(0);
    // The same operations on the parent itself: one listener each while in flight (10 here, the
    // most Node allows before it warns).
    let finishDirect!: () => void;
    const direct = new Promise<void>((resolve) => {
      finishDirect = resolve;
    });
    const shared = Array.from({ length: 10 }, () => request(parent, direct));
    expect(listeners(parent)).toBe(10);
    finishDirect();
    await Promise.all(shared);
  });

  it("aborts every child with the parent's reason", async () => {
    const controller = new AbortController();
    const never = new Promise<void>(() => {});
    const inFlight = Array.from({ length: 3 }, () =>
      withChildSignal(controller.signal, (signal) => request(signal, never)),
    );
    controller.abort(new AbortedError('Interrupted by SIGINT'));
    for (const outcome of await Promise.allSettled(inFlight)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { message: 'Interrupted by SIGINT' } });
    }
    expect(listeners(controller.signal)).toBe(0);
  });

  it('gives an aborted child under an aborted parent, and undefined without a parent', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(withChildSignal(controller.signal, async (signal) => signal?.aborted)).resolves.toBe(true);
    await expect(withChildSignal(undefined, async (signal) => signal)).resolves.toBeUndefined();
  });
});
