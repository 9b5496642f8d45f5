export {
  BOTTLENECK_THRESHOLDS,
  type Bottleneck,
  type BottleneckResource,
  type BottleneckThresholds,
  type FindBottleneckOptions,
  findBottleneck,
  findBottlenecks,
} from './bottleneck.js';
export { burstableWarning, isBurstable } from './burstable.js';
export { HostSamplesError, type ParseHostSamplesOptions, parseHostSamples, SAMPLER_FORMAT } from './parse.js';
export { samplerScriptPath } from './sampler.js';
export type { DiskPurpose, DiskRates, HostMetricsSeries, HostRole, HostSample } from './types.js';
