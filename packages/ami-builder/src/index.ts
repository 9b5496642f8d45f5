export {
  buildCheckScript,
  checkScriptSourceText,
  expectedCheckNames,
  IMAGE_LAYOUT,
  type ImageCheck,
  type ImageExpectations,
  parseCheckOutput,
} from './checks.js';
export {
  DEFAULT_JAVA_VERSION,
  DEFAULT_OMB_COMMIT,
  DEFAULT_PULSAR_VERSION,
  OMB_COMMIT_PATTERN,
  PACKER_DIR,
  PULSAR_VERSION_PATTERN,
} from './image-contents.js';
export {
  AMI_NAME_PREFIX,
  type AmiImage,
  compareVersions,
  IMAGE_TAG_KEYS,
  newestPerVersion,
  type PrunePlan,
  planPrune,
  selectLatest,
  sortImages,
} from './images.js';
export {
  LAB_ARCHIVE_DIRECTORIES,
  type LabArchive,
  type LabArchiveOptions,
  writeLabFilesArchive,
} from './lab-archive.js';
export {
  type CachedImageListing,
  DEFAULT_LISTING_TTL_MS,
  IMAGE_LISTING_CACHE_KEY,
  type ImageListingCache,
  type ImageListingCacheEntry,
  type ImageListingScope,
  parseCachedListing,
} from './listing-cache.js';
export {
  ArtifactCollector,
  interpretPackerLine,
  type PackerArtifact,
  type PackerLine,
  type PackerMessage,
  parseAmiArtifactId,
  parsePackerLine,
  unescapePackerField,
} from './machine-readable.js';
export { type PackerBuildOptions, type PackerBuildResult, runPackerBuild } from './packer.js';
export {
  type PolicyDocument,
  type PolicyStatement,
  policyDifferences,
  SSM_AGENT_ACTIONS,
  ssmAgentActions,
  ssmAgentPolicyDocument,
} from './ssm-agent-policy.js';
