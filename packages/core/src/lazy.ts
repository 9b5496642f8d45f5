/**
 * `create` called once, on the first call of the returned function; later calls share its
 * promise. A rejection is kept too (a client that cannot be created will not be on retry).
 */
export function lazy<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= create();
    return value;
  };
}
