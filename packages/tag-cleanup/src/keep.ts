import type { RemainingResource } from './execute.js';
import type { Resource } from './model.js';

/**
 * Why a resource of the experiment is found but left alone:
 * - `image-not-included`: images are deregistered only when asked (`includeImages`), because a
 *   baked image is often meant to outlive the experiment that made it;
 * - `snapshot-of-kept-image`: the snapshot backs an image of the experiment that is kept;
 * - `snapshot-in-use`: the snapshot backs an image that is not the experiment's (AWS refuses to
 *   delete it while that image exists).
 */
export type KeepReason = 'image-not-included' | 'snapshot-of-kept-image' | 'snapshot-in-use';

/** A resource of the experiment that cleanup does not delete, and why. */
export interface KeptResource {
  resource: Resource;
  reason: KeepReason;
  /** The image that keeps a snapshot (for the snapshot reasons). */
  imageId?: string;
  message: string;
}

export interface KeepOptions {
  /** Deregister the experiment's images and delete their snapshots. Default false. */
  includeImages?: boolean;
}

/** The images (owned by the account) that use a snapshot, as discovery records them. */
export function snapshotUsers(resource: Resource): string[] {
  const users = resource.details?.usedBy;
  return Array.isArray(users) ? users.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * Splits the experiment's resources into what is deleted and what is kept. Snapshots that
 * belong to no image are deleted; images and the snapshots they use only with `includeImages`;
 * a snapshot used by an image that is not the experiment's is always kept. Pure.
 */
export function partitionKept(
  resources: readonly Resource[],
  options: KeepOptions = {},
): { toDelete: Resource[]; kept: KeptResource[] } {
  const include = options.includeImages === true;
  const images = new Set(resources.filter((r) => r.type === 'image').map((r) => r.id));
  const toDelete: Resource[] = [];
  const kept: KeptResource[] = [];
  for (const resource of resources) {
    if (resource.type === 'image') {
      if (include) toDelete.push(resource);
      else
        kept.push({
          resource,
          reason: 'image-not-included',
          message: 'kept: images are deregistered only when asked to (includeImages)',
        });
      continue;
    }
    if (resource.type !== 'snapshot') {
      toDelete.push(resource);
      continue;
    }
    const users = snapshotUsers(resource);
    const foreign = users.find((id) => !images.has(id));
    if (foreign !== undefined) {
      kept.push({
        resource,
        reason: 'snapshot-in-use',
        imageId: foreign,
        message: `kept: in use by image ${foreign}, which is not this experiment's`,
      });
    } else if (users.length > 0 && !include) {
      kept.push({
        resource,
        reason: 'snapshot-of-kept-image',
        imageId: users[0]!,
        message: `kept: belongs to image ${users[0]}, which is kept (includeImages)`,
      });
    } else {
      toDelete.push(resource);
    }
  }
  return { toDelete, kept };
}

/** What is kept, as remaining resources: they do remain, on purpose. */
export const keptAsRemaining = (kept: readonly KeptResource[]): RemainingResource[] =>
  kept.map(({ resource, message, ...why }) => ({ resource, message, kept: why }));
