import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { type Clock, createEmitter, LabError, systemClock, type TagMap } from '@lab/core';
import { DEFAULT_JAVA_VERSION, DEFAULT_OMB_COMMIT, DEFAULT_PULSAR_VERSION } from '../image-contents.js';
import type { AmiImage } from '../images.js';
import { writeLabFilesArchive } from '../lab-archive.js';
import type { ImageListingCache } from '../listing-cache.js';
import { type PackerBuildOptions, type PackerBuildResult, runPackerBuild } from '../packer.js';
import { ensureBuildInstanceProfile } from './build-profile.js';
import { clientRegion, describeLabImages, listImages } from './catalog.js';

export { DEFAULT_JAVA_VERSION, DEFAULT_OMB_COMMIT, DEFAULT_PULSAR_VERSION };

export interface BuildAmiOptions
  extends Omit<PackerBuildOptions, 'variables' | 'region' | 'buildId' | 'clock' | 'events'> {
  ec2: EC2Client;
  /** Needed only for the dedicated build profile when `instanceProfile` is not given. */
  iam?: IAMClient | undefined;
  region?: string | undefined;
  pulsarVersion?: string | undefined;
  ombCommit?: string | undefined;
  javaVersion?: string | undefined;
  /**
   * Build instance profile; its role needs the SSM agent's permissions (Session Manager).
   * Default: the dedicated `pulsar-aws-lab-ami-build`, created once (ensureBuildInstanceProfile).
   */
  instanceProfile?: string | undefined;
  subnetId?: string | undefined;
  instanceType?: string | undefined;
  userTags?: TagMap | undefined;
  /** Build even when an image of this Pulsar version exists. */
  force?: boolean | undefined;
  /** Refreshed after the build. */
  cache?: ImageListingCache | undefined;
  /** As for `listImages`: the account of the cache's scope, asked only when `cache` is given. */
  accountId?: (() => Promise<string>) | undefined;
  /**
   * The directory holding `lab/` and `systemd/`, packed into the one archive Packer uploads.
   * Default: `files/` next to the template.
   */
  filesDir?: string | undefined;
  /** ExperimentID of the build's temporary resources. Default `ami-build-<YYYYMMDD-HHMMSS>`. */
  buildId?: string | undefined;
  events?: PackerBuildOptions['events'];
  clock?: Clock | undefined;
}

export interface BuildAmiResult extends PackerBuildResult {
  pulsarVersion: string;
  ombCommit: string;
  buildId: string;
  /** The new image as EC2 lists it, when the refreshed listing already shows it. */
  image: AmiImage | undefined;
}

/** An image of `version` that already exists (any state but failed), newest first. */
export async function existingImagesOf(ec2: EC2Client, version: string): Promise<AmiImage[]> {
  const images = await describeLabImages(ec2);
  return images.filter((image) => image.pulsarVersion === version && image.state !== 'failed');
}

export interface AmiBuildPlanOptions {
  ec2: EC2Client;
  /** Default: the EC2 client's region. */
  region?: string | undefined;
  template: string;
  pulsarVersion?: string | undefined;
  ombCommit?: string | undefined;
  javaVersion?: string | undefined;
  instanceProfile?: string | undefined;
  subnetId?: string | undefined;
  instanceType?: string | undefined;
  userTags?: TagMap | undefined;
  force?: boolean | undefined;
  /** Default `ami-build-<YYYYMMDD-HHMMSS>`, as for `buildPulsarAmi`. */
  buildId?: string | undefined;
  clock?: Clock | undefined;
}

/** What `buildPulsarAmi` would do with the same options: a dry run, with no change anywhere. */
export interface AmiBuildPlan {
  region: string;
  template: string;
  buildId: string;
  pulsarVersion: string;
  ombCommit: string;
  javaVersion: string;
  /** The profile given; undefined means the dedicated build profile (created if missing). */
  instanceProfile: string | undefined;
  /** Undefined means the default VPC. */
  subnetId: string | undefined;
  instanceType: string | undefined;
  userTags: TagMap;
  /** The version's existing images; undefined when EC2 could not be asked (`existingUnknown`). */
  existing: string[] | undefined;
  /** Why `existing` is unknown (no credentials, no network): the rest of the plan stands. */
  existingUnknown: string | undefined;
  /** Whether the build would be refused (`AMI_VERSION_EXISTS`) as things are. */
  wouldRefuse: boolean;
}

/**
 * The plan of a build: the defaults filled in, and whether an image of the version already
 * exists. Reading the images is the only AWS call; when it fails (a dry run without
 * credentials) the plan says so in `existingUnknown` instead of failing.
 */
export async function planAmiBuild(options: AmiBuildPlanOptions): Promise<AmiBuildPlan> {
  const clock = options.clock ?? systemClock;
  const pulsarVersion = options.pulsarVersion ?? DEFAULT_PULSAR_VERSION;
  let existing: string[] | undefined;
  let existingUnknown: string | undefined;
  try {
    existing = (await existingImagesOf(options.ec2, pulsarVersion)).map((image) => image.imageId);
  } catch (error) {
    existingUnknown = error instanceof Error ? error.message : String(error);
  }
  return {
    region: options.region ?? (await clientRegion(options.ec2)),
    template: options.template,
    buildId: options.buildId ?? `ami-build-${stamp(clock.now())}`,
    pulsarVersion,
    ombCommit: options.ombCommit ?? DEFAULT_OMB_COMMIT,
    javaVersion: options.javaVersion ?? DEFAULT_JAVA_VERSION,
    instanceProfile: options.instanceProfile,
    subnetId: options.subnetId,
    instanceType: options.instanceType,
    userTags: options.userTags ?? {},
    existing,
    existingUnknown,
    wouldRefuse: existing !== undefined && existing.length > 0 && options.force !== true,
  };
}

/**
 * Builds the Pulsar AMI with Packer: refuses a version that already has an image unless
 * `force`, runs the build (Ctrl-C stops Packer cleanly), then refreshes the region's cache.
 */
export async function buildPulsarAmi(options: BuildAmiOptions): Promise<BuildAmiResult> {
  const clock = options.clock ?? systemClock;
  const events = createEmitter({ source: '@lab/ami-builder', sink: options.events, clock });
  const pulsarVersion = options.pulsarVersion ?? DEFAULT_PULSAR_VERSION;
  const ombCommit = options.ombCommit ?? DEFAULT_OMB_COMMIT;
  const javaVersion = options.javaVersion ?? DEFAULT_JAVA_VERSION;
  const region = options.region ?? (await clientRegion(options.ec2));

  const existing = await existingImagesOf(options.ec2, pulsarVersion);
  if (existing.length > 0 && options.force !== true) {
    const names = existing.map((image) => `${image.imageId} (${image.name}, ${image.state})`).join(', ');
    throw new LabError(
      'AMI_VERSION_EXISTS',
      `Pulsar ${pulsarVersion} already has an image in ${region}: ${names}`,
      {
        hint: 'Use it (`lab-ami latest`), or pass --force to build another one.',
        details: { images: existing.map((image) => image.imageId) },
      },
    );
  }
  if (existing.length > 0) {
    events.emit(
      'build.forced',
      `Building Pulsar ${pulsarVersion} again (--force); ${existing.length} image(s) exist`,
      undefined,
      'warn',
    );
  }
  let instanceProfile = options.instanceProfile;
  if (instanceProfile === undefined) {
    if (options.iam === undefined) {
      throw new LabError(
        'NO_INSTANCE_PROFILE',
        'No instance profile given and no IAM client to create the build profile',
        {
          hint: 'Pass --instance-profile (its role needs the SSM agent permissions for Session Manager).',
        },
      );
    }
    instanceProfile = (await ensureBuildInstanceProfile({ iam: options.iam, events: options.events, clock }))
      .instanceProfile;
  }
  const buildId = options.buildId ?? `ami-build-${stamp(clock.now())}`;
  const filesDir = options.filesDir ?? join(await templateDirectory(options.template), 'files');
  const work = await mkdtemp(join(tmpdir(), 'lab-ami-build-'));
  let result: PackerBuildResult;
  try {
    const archive = await writeLabFilesArchive({
      filesDir,
      destination: join(work, 'lab-image-files.tar.gz'),
    });
    events.emit(
      'build.lab-files',
      `Packed ${archive.entries.length} lab files and units (${archive.bytes} bytes) for upload`,
      { entries: archive.entries, sha256: archive.sha256 },
      'debug',
    );
    const variables: PackerBuildOptions['variables'] = {
      region,
      pulsar_version: pulsarVersion,
      omb_commit: ombCommit,
      java_version: javaVersion,
      iam_instance_profile: instanceProfile,
      build_id: buildId,
      lab_files_archive: archive.path,
      ...(options.subnetId === undefined ? {} : { subnet_id: options.subnetId }),
      ...(options.instanceType === undefined ? {} : { instance_type: options.instanceType }),
      ...(options.userTags === undefined || Object.keys(options.userTags).length === 0
        ? {}
        : { extra_tags: options.userTags }),
    };
    result = await runPackerBuild({ ...options, variables, region, buildId, clock });
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  let image: AmiImage | undefined;
  if (options.cache !== undefined) {
    const listing = await listImages({
      ec2: options.ec2,
      region,
      cache: options.cache,
      accountId: options.accountId,
      noCache: true,
      clock,
    });
    image = listing.images.find((candidate) => candidate.imageId === result.amiId);
    if (image === undefined) {
      events.emit(
        'build.not-listed-yet',
        `${result.amiId} is not listed by EC2 yet; the cache will pick it up later`,
        undefined,
        'warn',
      );
    }
  }
  return { ...result, pulsarVersion, ombCommit, buildId, image };
}

/** The directory of a template given as a file or as its directory. */
async function templateDirectory(template: string): Promise<string> {
  const stats = await stat(template).catch((error: unknown) => {
    throw new LabError('TEMPLATE_NOT_FOUND', `Packer template ${template} not found`, { cause: error });
  });
  return stats.isDirectory() ? template : dirname(template);
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
