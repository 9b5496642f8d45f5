/**
 * A compact configuration schema: what a Terraform resource, data source or Packer source accepts
 * in its body. Extracted from the real provider and plugin code by the scripts in `scripts/` and
 * checked in under `data/`, so the checks run without network.
 */

/** `required` and `optional` may be written; `computed` is set by the provider and may not be. */
export type AttributeMode = 'required' | 'optional' | 'computed';

export interface AttributeSchema {
  mode: AttributeMode;
  /** The value's shape as the source names it (string, number, bool, list, set, map, …). */
  type: string;
}

export interface BodySchema {
  attributes: Record<string, AttributeSchema>;
  blocks: Record<string, NestedBlockSchema>;
}

export interface NestedBlockSchema extends BodySchema {
  /** Fewest blocks of this name the body must have (1 = required block). */
  min: number;
  /** Most blocks of this name; null = no limit. */
  max: number | null;
  /** The block's own schema was not available to the extraction (its body is not checked). */
  opaque?: boolean;
}

/** One provider version's schemas, as `data/aws-provider-<version>.schema.json` holds them. */
export interface ProviderSchemaFile {
  provider: string;
  version: string;
  /** Where the schema was read from and how. */
  source: string;
  resources: Record<string, BodySchema>;
  data: Record<string, BodySchema>;
}

/** One Packer builder's configuration spec, as `data/packer-amazon-ebs-<version>.schema.json` holds it. */
export interface PackerSpecFile {
  plugin: string;
  version: string;
  source: string;
  builder: string;
  body: BodySchema;
}
