import { type ClusterConfig, clusterSchema } from './schema/cluster.js';
import { type InfrastructureConfig, infrastructureSchema } from './schema/infrastructure.js';

/** The built-in defaults: what an empty infrastructure file resolves to. */
export const DEFAULT_INFRASTRUCTURE: InfrastructureConfig = infrastructureSchema.parse({});
/** The built-in defaults: what an empty cluster file resolves to. */
export const DEFAULT_CLUSTER: ClusterConfig = clusterSchema.parse({});
