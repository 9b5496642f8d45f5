export { ADMIN_CIDR_MIN_PREFIX, type AdminCidrProblem, adminCidrProblem } from './admin-cidrs.js';
export {
  type ClusterDocument,
  type ClusterDocumentsInput,
  clusterDocumentSchema,
  clusterDocuments,
  parseClusterDocument,
} from './cluster-document.js';
export {
  BOOTSTRAP_LOG_PATH,
  BOOTSTRAP_STATUS_PATH,
  CLUSTER_DOCUMENT_PATH,
  DATA_PATHS,
  isReservedSetting,
  OMB_WORKER_ENV_PATH,
  OMB_WORKERS_PATH,
  PULSAR_ENV_PATH,
  RESERVED_SETTINGS,
  ROLES,
  type Role,
  SERVICE_PORTS,
  SYSTEMD_UNITS,
} from './layout.js';
export {
  type BookieVolume,
  type LabInstance,
  parseTerraformOutputs,
  type RoleInstances,
  TERRAFORM_OUTPUT_NAMES,
  type TerraformOutputs,
  terraformOutputsSchema,
} from './outputs.js';
export { shippedTerraformDir } from './shipped.js';
export {
  expiresAt,
  formatTerraformVariables,
  LAB_OWNED_TAG_KEYS,
  MAX_USER_TAGS,
  parseTerraformVariables,
  TERRAFORM_VARIABLE_NAMES,
  type TerraformVariables,
  type TerraformVariablesInput,
  terraformVariablesSchema,
} from './variables.js';
