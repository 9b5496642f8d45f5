interface Group {
  children: Set<AbortController>;
  onAbort: () => void;
}

const groups = new WeakMap<AbortSignal, Group>();

/**
 * Runs `work` with a signal of its own that aborts (with the same reason) when `parent` does.
 * However many operations run at once under one parent, the parent carries a single abort
 * listener, added with the first operation and removed with the last. The AWS SDK adds an abort
 * listener per request in flight, so many concurrent requests sharing the caller's signal pile
 * their listeners on it (Node warns past 10: `MaxListenersExceededWarning`); each child carries
 * only its own operation's. Without a parent, `work` gets undefined.
 */
export async function withChildSignal<T>(
  parent: AbortSignal | undefined,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (parent === undefined) return work(undefined);
  let group = groups.get(parent);
  if (group === undefined) {
    const children = new Set<AbortController>();
    const created: Group = {
      children,
      onAbort: () => {
        for (const child of children) child.abort(parent.reason);
      },
    };
    groups.set(parent, created);
    parent.addEventListener('abort', created.onAbort, { once: true });
    group = created;
  }
  const child = new AbortController();
  if (parent.aborted) child.abort(parent.reason);
  group.children.add(child);
  try {
    return await work(child.signal);
  } finally {
    group.children.delete(child);
    if (group.children.size === 0) {
      parent.removeEventListener('abort', group.onAbort);
      groups.delete(parent);
    }
  }
}
