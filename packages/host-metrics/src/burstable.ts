/** Burstable EC2 families: full speed only while CPU credits last. */
const BURSTABLE_FAMILIES = ['t2', 't3', 't3a', 't4g'] as const;

/** Whether an instance type (e.g. `t3.large`) is burstable (t2, t3, t3a, t4g). */
export function isBurstable(instanceType: string): boolean {
  const family = instanceType.trim().toLowerCase().split('.')[0] ?? '';
  return (BURSTABLE_FAMILIES as readonly string[]).includes(family);
}

/**
 * The warning to show before a run that uses burstable instances, or undefined when none is.
 * e.g. `t3.large results are not steady-state: …`.
 */
export function burstableWarning(instanceTypes: Iterable<string>): string | undefined {
  const burstable = [...new Set([...instanceTypes].filter(isBurstable))].sort();
  if (burstable.length === 0) return undefined;
  const names =
    burstable.length === 1 ? burstable[0] : `${burstable.slice(0, -1).join(', ')} and ${burstable.at(-1)}`;
  return (
    `${names} results are not steady-state: burstable instances run at full speed only while they ` +
    'have CPU credits, then drop to a baseline fraction of each vCPU (standard mode) or bill the ' +
    'surplus (unlimited mode), so the same test gives different numbers as credits run out. ' +
    'Use a fixed-performance type (m, c, r or i families) for numbers you compare.'
  );
}
