export {
  type AmiCache,
  type AmiCacheOptions,
  type CachedListing,
  createAmiCache,
  DEFAULT_CACHE_TTL_MS,
} from './cache.js';
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
