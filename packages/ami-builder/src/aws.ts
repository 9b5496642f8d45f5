export {
  type AmiBuildPlan,
  type AmiBuildPlanOptions,
  type BuildAmiOptions,
  type BuildAmiResult,
  buildPulsarAmi,
  DEFAULT_JAVA_VERSION,
  DEFAULT_OMB_COMMIT,
  DEFAULT_PULSAR_VERSION,
  existingImagesOf,
  planAmiBuild,
} from './aws/build.js';
export {
  BUILD_PROFILE,
  BUILD_PROFILE_TAGS,
  type BuildProfileOptions,
  type BuildProfileResult,
  type BuildProfileState,
  ensureBuildInstanceProfile,
  inspectBuildInstanceProfile,
} from './aws/build-profile.js';
export {
  type CatalogOptions,
  clientRegion,
  describeLabImages,
  findLatestImage,
  type ImageListing,
  listImages,
  toAmiImage,
} from './aws/catalog.js';
export {
  type DeleteOptions,
  type DeleteResult,
  deleteImage,
  executePrune,
  getLabImage,
  type PruneOutcome,
  planImagePrune,
} from './aws/delete.js';
export { discoverDefaultSubnet } from './aws/discover.js';
export { clientAccountId, clientEndpoint, listingScope } from './aws/scope.js';
export {
  type RunCommand,
  type RunCommandInstanceResult,
  type RunCommandOptions,
  type ValidateOptions,
  type ValidateResult,
  validateAmi,
  waitForInstanceRunning,
  waitForSsmOnline,
} from './aws/validate.js';
