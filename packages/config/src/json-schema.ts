import { parse } from 'yaml';
import { z } from 'zod';
import { isPlainObject } from './paths.js';
import { SECTION_SCHEMAS, type Section } from './sections.js';
import { SHIPPED_DEFAULT_FILES, shippedDefaults } from './shipped.js';

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
 * Describes what a user writes: a test plan's fields with defaults are optional; every field of
 * an infrastructure or cluster file is optional, since the shipped defaults file states each one,
 * and carries that file's value as its `default`. Cross-field rules (quorums, warm-up, payload
 * size) are checked by the loader only.
 */
export function jsonSchemaFor(section: Section): Record<string, unknown> {
  const schema = z.toJSONSchema(SECTION_SCHEMAS[section], { io: 'input', unrepresentable: 'any' });
  if (section === 'testPlan') return { ...schema, title: TITLES[section] };
  const defaults = shippedDefaults().find((source) => source.section === section);
  if (defaults !== undefined) withDefaults(schema, parse(defaults.text) as unknown);
  return {
    ...schema,
    title: TITLES[section],
    description: `Fields left out take their values from ${defaults?.file ?? SHIPPED_DEFAULT_FILES[section]} (the defaults layer).`,
  };
}

/** Pretty JSON text of `jsonSchemaFor(section)`, as committed. */
export function jsonSchemaText(section: Section): string {
  return `${JSON.stringify(jsonSchemaFor(section), null, 2)}\n`;
}

/** Makes every property optional and records the defaults file's value as its `default`. */
function withDefaults(node: Record<string, unknown>, value: unknown): void {
  delete node.required;
  const properties = node.properties;
  if (isPlainObject(properties)) {
    for (const [key, property] of Object.entries(properties)) {
      if (!isPlainObject(property)) continue;
      const child = isPlainObject(value) ? value[key] : undefined;
      withDefaults(property, child);
      if (child !== undefined && (!isPlainObject(child) || !isPlainObject(property.properties))) {
        property.default = child;
      }
    }
  }
}
