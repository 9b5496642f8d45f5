import { z } from 'zod';
import { SECTION_SCHEMAS, type Section } from './resolve.js';

/** The file names under `configs/schema/` (and the package's `schema/`), per section. */
export const SCHEMA_FILES: Record<Section, string> = {
  infrastructure: 'infrastructure.schema.json',
  cluster: 'cluster.schema.json',
  testPlan: 'test-plan.schema.json',
};

const TITLES: Record<Section, string> = {
  infrastructure: 'pulsar-aws-lab infrastructure configuration',
  cluster: 'pulsar-aws-lab Pulsar cluster configuration',
  testPlan: 'pulsar-aws-lab test plan',
};

/**
 * The JSON Schema of a section's YAML files, for editors (`# yaml-language-server: $schema=…`).
 * Describes the input: fields with defaults are optional. Cross-field rules (quorums, warm-up,
 * payload size) are checked by the loader only.
 */
export function jsonSchemaFor(section: Section): Record<string, unknown> {
  const schema = z.toJSONSchema(SECTION_SCHEMAS[section], { io: 'input', unrepresentable: 'any' });
  return { ...schema, title: TITLES[section] };
}

/** Pretty JSON text of `jsonSchemaFor(section)`, as committed. */
export function jsonSchemaText(section: Section): string {
  return `${JSON.stringify(jsonSchemaFor(section), null, 2)}\n`;
}
