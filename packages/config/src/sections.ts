import type { z } from 'zod';
import { type ClusterConfig, clusterSchema } from './schema/cluster.js';
import { type InfrastructureConfig, infrastructureSchema } from './schema/infrastructure.js';
import { type TestPlan, testPlanSchema } from './schema/test-plan.js';

/** The three kinds of configuration, in the order they are resolved. */
export const SECTIONS = ['infrastructure', 'cluster', 'testPlan'] as const;
export type Section = (typeof SECTIONS)[number];

export const SECTION_SCHEMAS = {
  infrastructure: infrastructureSchema,
  cluster: clusterSchema,
  testPlan: testPlanSchema,
} as const satisfies Record<Section, z.ZodType>;

export interface LabConfig {
  infrastructure: InfrastructureConfig;
  cluster: ClusterConfig;
  /** Present when a test plan file was given. */
  testPlan?: TestPlan;
}
