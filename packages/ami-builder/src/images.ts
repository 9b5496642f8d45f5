import type { TagMap } from '@lab/core';

/** Every image the lab builds is named `pulsar-base-<version>-<YYYYMMDD-hhmmss>`. */
export const AMI_NAME_PREFIX = 'pulsar-base-';

/** Tags the Packer template puts on the image and its snapshots. */
export const IMAGE_TAG_KEYS = {
  pulsarVersion: 'PulsarVersion',
  ombCommit: 'OmbCommit',
  javaVersion: 'JavaVersion',
  buildDate: 'BuildDate',
} as const;

/** An AMI of the lab, as the catalogue sees it. JSON-serialisable (it is cached on disk). */
export interface AmiImage {
  imageId: string;
  name: string;
  /** `available`, `pending`, `failed`, … */
  state: string;
  /** ISO-8601 creation time from EC2. */
  creationDate: string;
  /** From the `PulsarVersion` tag; undefined when the image has none. */
  pulsarVersion: string | undefined;
  ombCommit: string | undefined;
  javaVersion: string | undefined;
  buildDate: string | undefined;
  snapshotIds: string[];
  tags: TagMap;
}

/**
 * Orders versions such as `3.3.2` and `4.0.10` numerically, part by part; non-numeric parts
 * (`4.0.0-rc1`) compare as text, and a release sorts after its pre-releases.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitPre(a);
  const [coreB = '', preB] = splitPre(b);
  const partsA = coreA.split('.');
  const partsB = coreB.split('.');
  for (let index = 0; index < Math.max(partsA.length, partsB.length); index += 1) {
    const x = partsA[index] ?? '0';
    const y = partsB[index] ?? '0';
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    if (order !== 0) return Math.sign(order);
  }
  if (preA === undefined && preB === undefined) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return Math.sign(preA.localeCompare(preB));
}

function splitPre(version: string): [string, string | undefined] {
  const dash = version.indexOf('-');
  return dash === -1 ? [version, undefined] : [version.slice(0, dash), version.slice(dash + 1)];
}

const newestFirst = (a: AmiImage, b: AmiImage): number =>
  b.creationDate.localeCompare(a.creationDate) || b.imageId.localeCompare(a.imageId);

/** The newest available image of each Pulsar version, highest version first. */
export function newestPerVersion(images: readonly AmiImage[]): AmiImage[] {
  const newest = new Map<string, AmiImage>();
  for (const image of [...images].sort(newestFirst)) {
    if (image.state !== 'available' || image.pulsarVersion === undefined) continue;
    if (!newest.has(image.pulsarVersion)) newest.set(image.pulsarVersion, image);
  }
  return [...newest.values()].sort((a, b) => compareVersions(b.pulsarVersion!, a.pulsarVersion!));
}

/** The newest available image of `version`, or of the highest version when none is given. */
export function selectLatest(images: readonly AmiImage[], version?: string): AmiImage | undefined {
  const candidates = newestPerVersion(images);
  return version === undefined ? candidates[0] : candidates.find((image) => image.pulsarVersion === version);
}

/** Every image, highest version first, newest first within a version; untagged ones last. */
export function sortImages(images: readonly AmiImage[]): AmiImage[] {
  return [...images].sort((a, b) => {
    if (a.pulsarVersion === undefined || b.pulsarVersion === undefined) {
      if (a.pulsarVersion !== b.pulsarVersion) return a.pulsarVersion === undefined ? 1 : -1;
      return newestFirst(a, b);
    }
    return compareVersions(b.pulsarVersion, a.pulsarVersion) || newestFirst(a, b);
  });
}

export interface PrunePlan {
  keepPerVersion: number;
  /** The newest `keepPerVersion` available images of each version. */
  keep: AmiImage[];
  /** Older available images, and failed ones, of each version. */
  remove: AmiImage[];
  /** Left alone: images still being created, and images without a PulsarVersion tag. */
  skipped: Array<{ image: AmiImage; reason: string }>;
}

/** Which images `prune --keep N` deletes: all but the newest N available images per version. */
export function planPrune(images: readonly AmiImage[], keepPerVersion: number): PrunePlan {
  const plan: PrunePlan = { keepPerVersion, keep: [], remove: [], skipped: [] };
  const kept = new Map<string, number>();
  for (const image of sortImages(images)) {
    if (image.pulsarVersion === undefined) {
      plan.skipped.push({ image, reason: 'no PulsarVersion tag' });
    } else if (image.state === 'pending') {
      plan.skipped.push({ image, reason: 'still being created' });
    } else if (image.state !== 'available') {
      plan.remove.push(image);
    } else {
      const count = kept.get(image.pulsarVersion) ?? 0;
      if (count < keepPerVersion) {
        plan.keep.push(image);
        kept.set(image.pulsarVersion, count + 1);
      } else {
        plan.remove.push(image);
      }
    }
  }
  return plan;
}
