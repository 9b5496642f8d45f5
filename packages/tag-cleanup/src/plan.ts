import { GLOBAL_REGION, LINEAR_ORDER, type Resource, resourceKey, TYPE_DEPENDENCIES } from './model.js';

/** One resource in the deletion plan. */
export interface PlanStep {
  key: string;
  resource: Resource;
  /** Steps of one level run in parallel; level n starts after level n − 1 was attempted. */
  level: number;
  /** Keys of the resources that must be gone before this one can be deleted. */
  waitsFor: string[];
}

export interface Plan {
  steps: PlanStep[];
  /** Number of levels (highest level + 1). */
  levels: number;
}

export interface PlanOptions {
  /**
   * `dependencies` (default): levels by the longest dependency chain, so independent branches
   * (S3, IAM, NAT gateways) go first and in parallel. `linear`: one type per level in the
   * previous design's order, for comparison.
   */
  ordering?: 'dependencies' | 'linear';
}

/** Whether `blocker` can hold up `resource`: same region (or a global one), and same VPC when both have one. */
function related(resource: Resource, blocker: Resource): boolean {
  const sameRegion =
    resource.region === blocker.region ||
    resource.region === GLOBAL_REGION ||
    blocker.region === GLOBAL_REGION;
  if (!sameRegion) return false;
  if (resource.vpcId !== undefined && blocker.vpcId !== undefined) return resource.vpcId === blocker.vpcId;
  return true;
}

/** Orders resources for deletion. Pure: no AWS calls. */
export function buildPlan(resources: readonly Resource[], options: PlanOptions = {}): Plan {
  const unique = new Map<string, Resource>();
  for (const resource of resources) unique.set(resourceKey(resource), resource);
  const byType = new Map<string, Resource[]>();
  for (const resource of unique.values()) {
    byType.set(resource.type, [...(byType.get(resource.type) ?? []), resource]);
  }
  const waits = new Map<string, string[]>();
  for (const [key, resource] of unique) {
    const blockers = TYPE_DEPENDENCIES[resource.type].flatMap((type) =>
      (byType.get(type) ?? []).filter((blocker) => related(resource, blocker)),
    );
    waits.set(key, blockers.map(resourceKey).sort());
  }
  const levels = new Map<string, number>();
  const levelOf = (key: string): number => {
    const known = levels.get(key);
    if (known !== undefined) return known;
    // TYPE_DEPENDENCIES is acyclic, so this recursion ends.
    const level = Math.max(-1, ...(waits.get(key) ?? []).map(levelOf)) + 1;
    levels.set(key, level);
    return level;
  };
  const steps = [...unique].map(([key, resource]) => ({
    key,
    resource,
    level: options.ordering === 'linear' ? LINEAR_ORDER.indexOf(resource.type) : levelOf(key),
    waitsFor: waits.get(key) ?? [],
  }));
  if (options.ordering === 'linear') {
    // Compact the levels so that absent types leave no empty levels.
    const used = [...new Set(steps.map((step) => step.level))].sort((a, b) => a - b);
    for (const step of steps) step.level = used.indexOf(step.level);
  }
  steps.sort(
    (a, b) =>
      a.level - b.level ||
      LINEAR_ORDER.indexOf(a.resource.type) - LINEAR_ORDER.indexOf(b.resource.type) ||
      a.resource.region.localeCompare(b.resource.region) ||
      a.resource.id.localeCompare(b.resource.id),
  );
  return { steps, levels: steps.length === 0 ? 0 : Math.max(...steps.map((step) => step.level)) + 1 };
}

/** A plan row for a table or JSON: what `lab-cleanup` prints in a dry run. */
export interface PlanRow {
  level: number;
  type: string;
  id: string;
  region: string;
  name: string;
  /** Up to three ids it waits for, then `+N more`. */
  waitsFor: string;
}

export function planRows(plan: Plan): PlanRow[] {
  const idOf = (key: string) => key.slice(key.indexOf(':', key.indexOf(':') + 1) + 1);
  return plan.steps.map((step) => {
    const ids = step.waitsFor.map(idOf);
    const shown = ids.slice(0, 3).join(', ');
    return {
      level: step.level,
      type: step.resource.type,
      id: step.resource.id,
      region: step.resource.region,
      name: step.resource.name ?? '',
      waitsFor: ids.length > 3 ? `${shown} +${ids.length - 3} more` : shown,
    };
  });
}
