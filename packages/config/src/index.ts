export { jsonSchemaFor, jsonSchemaText, SCHEMA_FILES } from './json-schema.js';
export { formatPath, type PathSegment } from './paths.js';
export { formatProvenance, type Provenance, type ProvenanceEntry, provenanceLabel } from './provenance.js';
export {
  type ConfigFileSource,
  canonicalJson,
  configDigest,
  loadConfigFile,
  parseConfigText,
  type ResolvedConfig,
  type ResolveOptions,
  resolveConfig,
  resolveConfigSources,
} from './resolve.js';
export {
  type ClusterConfig,
  type ClusterConfigInput,
  clusterSchema,
  type ManagedLedgerQuorum,
  managedLedgerSchema,
} from './schema/cluster.js';
export { ROLES, type Role } from './schema/common.js';
export {
  GP3_LIMITS,
  type Gp3Volume,
  gp3VolumeSchema,
  type InfrastructureConfig,
  type InfrastructureConfigInput,
  infrastructureSchema,
  parseCidr,
} from './schema/infrastructure.js';
export {
  type DriverSettings,
  driverSchema,
  KEY_DISTRIBUTORS,
  MAX_MESSAGE_SIZE,
  type Matrix,
  matrixSchema,
  OMB_PAYLOAD_FILES,
  type OmbPayloadFile,
  type Payload,
  type PlateauSettings,
  payloadSchema,
  RUN_TYPES,
  type Run,
  type RunInput,
  type RunType,
  runSchema,
  SUBSCRIPTION_TYPES,
  type TestPlan,
  type TestPlanInput,
  testPlanSchema,
  type Workload,
  type WorkloadOverride,
  workloadSchema,
} from './schema/test-plan.js';
export { type LabConfig, SECTION_SCHEMAS, SECTIONS, type Section } from './sections.js';
export {
  type DefaultedSection,
  type DefaultsSource,
  SHIPPED_CONFIGS_DIR,
  SHIPPED_DEFAULT_FILES,
  shippedConfigPath,
  shippedDefaults,
  shippedFileName,
} from './shipped.js';
export { type NodeLocation, type Position, parseYamlSource, type YamlSource } from './yaml-source.js';
