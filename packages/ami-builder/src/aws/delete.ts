import { DeleteSnapshotCommand, DeregisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { isTransientAwsError, retry } from '@lab/backoff';
import {
  awsErrorCode,
  type Clock,
  createEmitter,
  type EventSink,
  errorMessage,
  LabError,
  PROJECT,
  type Sleep,
  TAG_KEYS,
  withContext,
} from '@lab/core';
import { type AmiImage, type PrunePlan, planPrune } from '../images.js';
import { IMAGE_LISTING_CACHE_KEY, type ImageListingCache } from '../listing-cache.js';
import { clientRegion, describeLabImages } from './catalog.js';
import { listingScope } from './scope.js';

export interface DeleteOptions {
  ec2: EC2Client;
  /** Show what would be deleted without deleting. */
  dryRun?: boolean | undefined;
  /** Invalidated after a deletion so the next listing is fresh. */
  cache?: ImageListingCache | undefined;
  /** As for `listImages`: the account of the cache's scope, asked only when `cache` is given. */
  accountId?: (() => Promise<string>) | undefined;
  region?: string | undefined;
  signal?: AbortSignal | undefined;
  events?: EventSink | undefined;
  clock?: Clock | undefined;
  sleep?: Sleep | undefined;
  /** How long to keep retrying a snapshot still "in use" right after deregistering. Default 2 min. */
  snapshotTimeoutMs?: number | undefined;
}

export interface DeleteResult {
  imageId: string;
  name: string;
  snapshotIds: string[];
  dryRun: boolean;
  deregistered: boolean;
  deletedSnapshots: string[];
}

/** Finds one of the lab's images by id; refuses images the lab did not make. */
export async function getLabImage(ec2: EC2Client, imageId: string, signal?: AbortSignal): Promise<AmiImage> {
  let images: AmiImage[];
  try {
    images = await describeLabImages(ec2, { imageIds: [imageId], signal });
  } catch (error) {
    if (awsErrorCode((error as { cause?: unknown }).cause) === 'InvalidAMIID.NotFound') {
      images = [];
    } else {
      throw error;
    }
  }
  const image = images[0];
  if (image === undefined) {
    throw new LabError('AMI_NOT_FOUND', `No AMI ${imageId} owned by this account`, {
      hint: 'List the lab images with `lab-ami list` (check --region).',
      details: { imageId },
    });
  }
  if (image.tags[TAG_KEYS.project] !== PROJECT) {
    throw new LabError('AMI_NOT_MANAGED', `${imageId} (${image.name}) is not a ${PROJECT} image`, {
      hint: `lab-ami only touches images tagged ${TAG_KEYS.project}=${PROJECT}.`,
      details: { imageId, tags: image.tags },
    });
  }
  return image;
}

/** Deregisters a lab image and deletes its snapshots (which deregistering leaves behind). */
export async function deleteImage(options: DeleteOptions & { imageId: string }): Promise<DeleteResult> {
  const image = await getLabImage(options.ec2, options.imageId, options.signal);
  return deleteKnownImage(options, image);
}

async function deleteKnownImage(options: DeleteOptions, image: AmiImage): Promise<DeleteResult> {
  const events = createEmitter({ source: '@lab/ami-builder', sink: options.events, clock: options.clock });
  const result: DeleteResult = {
    imageId: image.imageId,
    name: image.name,
    snapshotIds: image.snapshotIds,
    dryRun: options.dryRun === true,
    deregistered: false,
    deletedSnapshots: [],
  };
  const snapshots = image.snapshotIds.length === 0 ? 'no snapshots' : image.snapshotIds.join(', ');
  if (options.dryRun === true) {
    events.emit(
      'image.delete.planned',
      `Would deregister ${image.imageId} (${image.name}) and delete ${snapshots}`,
      {
        imageId: image.imageId,
        snapshotIds: image.snapshotIds,
      },
    );
    return result;
  }
  const retryOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  };
  try {
    await retry(() => options.ec2.send(new DeregisterImageCommand({ ImageId: image.imageId })), retryOptions);
  } catch (error) {
    if (
      awsErrorCode(error) !== 'InvalidAMIID.Unavailable' &&
      awsErrorCode(error) !== 'InvalidAMIID.NotFound'
    ) {
      throw withContext(error, `Deregistering ${image.imageId}`);
    }
  }
  result.deregistered = true;
  events.emit('image.deregistered', `Deregistered ${image.imageId} (${image.name})`, {
    imageId: image.imageId,
  });
  if (options.cache !== undefined) {
    const scope = await listingScope({
      ec2: options.ec2,
      region: options.region ?? (await clientRegion(options.ec2)),
      accountId: options.accountId,
    });
    await options.cache.invalidate(scope, IMAGE_LISTING_CACHE_KEY);
  }

  const failed: Array<{ snapshotId: string; error: string }> = [];
  const now = (options.clock ?? { now: Date.now }).now();
  for (const snapshotId of image.snapshotIds) {
    try {
      await retry(() => options.ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })), {
        ...retryOptions,
        retries: 12,
        deadline: now + (options.snapshotTimeoutMs ?? 120_000),
        // Right after DeregisterImage the snapshot can still be reported in use by the image.
        shouldRetry: (error) => isTransientAwsError(error) || awsErrorCode(error) === 'InvalidSnapshot.InUse',
      });
      result.deletedSnapshots.push(snapshotId);
      events.emit('snapshot.deleted', `Deleted snapshot ${snapshotId}`, {
        snapshotId,
        imageId: image.imageId,
      });
    } catch (error) {
      if (awsErrorCode(error) === 'InvalidSnapshot.NotFound') {
        result.deletedSnapshots.push(snapshotId);
        continue;
      }
      failed.push({ snapshotId, error: errorMessage(error) });
      events.emit(
        'snapshot.delete.failed',
        `Could not delete snapshot ${snapshotId}: ${errorMessage(error)}`,
        {
          snapshotId,
        },
        'error',
      );
    }
  }
  if (failed.length > 0) {
    throw new LabError(
      'INCOMPLETE',
      `Deregistered ${image.imageId} but could not delete ${failed.length} snapshot(s): ${failed.map((f) => f.snapshotId).join(', ')}`,
      {
        hint: 'Delete them with `aws ec2 delete-snapshot --snapshot-id …` once they are no longer in use.',
        details: { ...result, failed },
      },
    );
  }
  return result;
}

export interface PruneOutcome {
  plan: PrunePlan;
  deleted: DeleteResult[];
  failed: Array<{ imageId: string; error: LabError }>;
  executed: boolean;
}

/** Plans `prune --keep N` from a fresh listing (never from the cache: it decides deletions). */
export async function planImagePrune(
  options: Pick<DeleteOptions, 'ec2' | 'signal'> & { keep: number },
): Promise<PrunePlan> {
  if (!Number.isInteger(options.keep) || options.keep < 1) {
    throw new LabError('VALIDATION_FAILED', `--keep must be a positive integer, got ${options.keep}`, {
      hint: 'prune keeps at least the newest image of every version.',
    });
  }
  const images = await describeLabImages(options.ec2, { signal: options.signal });
  const managed = images.filter((image) => image.tags[TAG_KEYS.project] === PROJECT);
  const plan = planPrune(managed, options.keep);
  for (const image of images) {
    if (image.tags[TAG_KEYS.project] !== PROJECT) {
      plan.skipped.push({ image, reason: `not tagged ${TAG_KEYS.project}=${PROJECT}` });
    }
  }
  return plan;
}

/**
 * Deletes the images a plan removes (nothing when `dryRun`). Carries on past a failed image
 * and reports every failure; throws INCOMPLETE when any image or snapshot is left.
 */
export async function executePrune(options: DeleteOptions & { plan: PrunePlan }): Promise<PruneOutcome> {
  const outcome: PruneOutcome = {
    plan: options.plan,
    deleted: [],
    failed: [],
    executed: options.dryRun !== true,
  };
  for (const image of options.plan.remove) {
    options.signal?.throwIfAborted();
    try {
      outcome.deleted.push(await deleteKnownImage(options, image));
    } catch (error) {
      const labError = error instanceof LabError ? error : withContext(error, `Deleting ${image.imageId}`);
      outcome.failed.push({ imageId: image.imageId, error: labError });
    }
  }
  if (outcome.failed.length > 0) {
    throw new LabError(
      'INCOMPLETE',
      `Pruned ${outcome.deleted.length} image(s); ${outcome.failed.length} could not be deleted: ${outcome.failed
        .map((failure) => `${failure.imageId} (${failure.error.message})`)
        .join('; ')}`,
      {
        hint: 'Run prune again; it only deletes what is still there.',
        details: {
          deleted: outcome.deleted.map((result) => result.imageId),
          failed: outcome.failed.map((f) => ({ imageId: f.imageId, error: f.error.toJSON() })),
        },
      },
    );
  }
  return outcome;
}
