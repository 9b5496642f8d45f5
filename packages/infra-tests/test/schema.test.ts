import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkPackerTemplate,
  checkTerraform,
  loadPackerSpecs,
  loadProviderSchemas,
  lowestAllowed,
  satisfies,
} from '../src/checks.js';
import { scanHcl } from '../src/hcl-structure.js';
import type { BodySchema, PackerSpecFile, ProviderSchemaFile } from '../src/schema.js';
import { checkBody, type Finding, formatFinding } from '../src/schema-check.js';
import { type Hcl, loadTfFiles, resources, type TfFile } from '../src/terraform-files.js';
import { DATA_DIR, PACKAGE_DIR, PACKER_TEMPLATE, TERRAFORM_DIR } from './support/paths.js';

const FIXTURES = join(PACKAGE_DIR, 'fixtures', 'schema');

let terraformFiles: TfFile[];
let providerSchemas: ProviderSchemaFile[];
let packerSpecs: PackerSpecFile[];
let awsConstraint: string;
let packerConstraint: string;

beforeAll(async () => {
  terraformFiles = await loadTfFiles(TERRAFORM_DIR);
  providerSchemas = await loadProviderSchemas(DATA_DIR);
  packerSpecs = await loadPackerSpecs(DATA_DIR);
  const root = terraformFiles.find((file) => file.path === 'versions.tf')!;
  awsConstraint = root.hcl.terraform[0].required_providers[0].aws.version as string;
  const packer = (await parse('p.pkr.hcl', await readFile(PACKER_TEMPLATE, 'utf8'))) as Hcl;
  packerConstraint = packer.packer[0].required_plugins[0].amazon.version as string;
});

const lines = (findings: Finding[]) => findings.map(formatFinding);

describe('terraform/ against the AWS provider schema', () => {
  it('has a schema for the lowest provider version versions.tf allows, and for the highest available', () => {
    const allowed = providerSchemas.filter((schema) => satisfies(schema.version, awsConstraint));
    expect(allowed.map((schema) => schema.version)).toContain(lowestAllowed(awsConstraint));
    expect(allowed.length).toBeGreaterThanOrEqual(2);
  });

  it('has a schema of every resource and data source type terraform/ uses', () => {
    const used = [
      ...resources(terraformFiles, 'resource').map((block) => `resource ${block.type}`),
      ...resources(terraformFiles, 'data').map((block) => `data ${block.type}`),
    ];
    for (const schema of providerSchemas) {
      const known = new Set([
        ...Object.keys(schema.resources).map((type) => `resource ${type}`),
        ...Object.keys(schema.data).map((type) => `data ${type}`),
      ]);
      const missing = [...new Set(used)].filter((type) => !known.has(type));
      expect(missing, `run \`pnpm --filter @lab/infra-tests schema:aws\` (${schema.version})`).toEqual([]);
    }
  });

  it('finds nothing wrong with any resource or data block, for every provider version versions.tf allows', () => {
    for (const schema of providerSchemas.filter((candidate) => satisfies(candidate.version, awsConstraint))) {
      expect(lines(checkTerraform(terraformFiles, schema)), `AWS provider ${schema.version}`).toEqual([]);
    }
  });

  it('supports AWS provider 5.x and 6.x: both majors are allowed and checked', () => {
    const majors = providerSchemas
      .filter((schema) => satisfies(schema.version, awsConstraint))
      .map((schema) => schema.version.split('.')[0]);
    expect(new Set(majors)).toEqual(new Set(['5', '6']));
  });

  it('reads the real schema: facts anyone can look up in the provider docs', () => {
    for (const schema of providerSchemas) {
      const instance = schema.resources.aws_instance!;
      expect(instance.blocks.root_block_device).toMatchObject({ min: 0, max: 1 });
      expect(instance.blocks.ebs_block_device).toMatchObject({ min: 0, max: null });
      expect(instance.attributes.arn?.mode).toBe('computed');
      expect(instance.attributes.tags).toEqual({ mode: 'optional', type: 'map(string)' });
      const ingress = schema.resources.aws_vpc_security_group_ingress_rule!;
      expect(ingress.attributes.security_group_id?.mode).toBe('required');
      expect(ingress.attributes.ip_protocol?.mode).toBe('required');
      expect(schema.data.aws_ami!.blocks.filter?.attributes).toMatchObject({
        name: { mode: 'required' },
        values: { mode: 'required' },
      });
    }
  });
});

describe('the Terraform schema check on a bad fixture', () => {
  let bad: TfFile[];
  beforeAll(async () => {
    bad = (await loadTfFiles(FIXTURES)).filter((file) => file.path === 'bad.tf');
  });

  it('names every mistake with its file, line, address and kind, for the lowest and highest version', () => {
    const allowed = providerSchemas.filter((schema) => satisfies(schema.version, awsConstraint));
    for (const schema of [allowed[0]!, allowed.at(-1)!]) {
      expect(lines(checkTerraform(bad, schema)), schema.version).toEqual([
        'bad.tf:4 aws_vpc.typo cidr_blok: unknown argument "cidr_blok" (did you mean "cidr_block"?) (unknown-argument)',
        'bad.tf:7 aws_vpc_security_group_ingress_rule.missing ip_protocol: the required argument "ip_protocol" is missing (missing-argument)',
        'bad.tf:17 aws_instance.block_as_object metadata_options: "metadata_options" is a block: write metadata_options { … }, not metadata_options = … (block-as-attribute)',
        'bad.tf:26 aws_instance.block_as_list root_block_device: "root_block_device" is a block: write root_block_device { … }, not root_block_device = … (block-as-attribute)',
        'bad.tf:33 aws_subnet.attribute_as_block tags: "tags" is an argument (map(string)): write tags = …, not tags { … } (attribute-as-block)',
        'bad.tf:41 aws_instance.computed_and_nested arn: "arn" is set by the provider and cannot be configured (computed-argument)',
        'bad.tf:45 aws_instance.computed_and_nested root_block_device.volume_id: "volume_id" is set by the provider and cannot be configured (computed-argument)',
        'bad.tf:46 aws_instance.computed_and_nested root_block_device.encryptd: unknown argument "encryptd" (did you mean "encrypted"?) (unknown-argument)',
        'bad.tf:43 aws_instance.computed_and_nested root_block_device: at most 1 "root_block_device" block(s) allowed, found 2 (too-many-blocks)',
        'bad.tf:58 aws_instance.dynamic_attribute user_data: "user_data" is an argument; dynamic blocks only generate blocks (attribute-as-block)',
        'bad.tf:65 data.aws_ami.nested_missing filter.values: the required argument "values" is missing (missing-argument)',
        `bad.tf:70 aws_nat_gatway.unknown_type: no resource type "aws_nat_gatway" in the schema of registry.terraform.io/hashicorp/aws ${schema.version} (new type? run \`pnpm --filter @lab/infra-tests schema:aws\`) (unknown-type)`,
      ]);
    }
  });

  it('requires blocks the schema requires', () => {
    const schema: BodySchema = {
      attributes: {},
      blocks: {
        rule: { min: 1, max: null, attributes: { id: { mode: 'required', type: 'string' } }, blocks: {} },
      },
    };
    const text = 'resource "x_thing" "a" {\n}\n';
    const [item] = scanHcl(text);
    expect(
      lines(checkBody({ file: 'x.tf', address: 'x_thing.a', body: {}, item: item!, meta: [] }, schema)),
    ).toEqual(['x.tf:1 x_thing.a rule: at least 1 "rule" block(s) are required (missing-block)']);
  });

  it('refuses to judge a body whose structure the scanner reads differently from hcl2json', () => {
    const text = 'resource "aws_vpc" "a" {\n  cidr_block = "10.0.0.0/16"\n}\n';
    const [item] = scanHcl(text);
    expect(() =>
      checkBody(
        { file: 'x.tf', address: 'aws_vpc.a', body: { cidr_block: 'x', tags: {} }, item: item!, meta: [] },
        { attributes: {}, blocks: {} },
      ),
    ).toThrow(/structure scanner did not find tags/);
  });
});

describe('packer/pulsar-base.pkr.hcl against the amazon-ebs spec', () => {
  const template = async () => {
    const text = await readFile(PACKER_TEMPLATE, 'utf8');
    return {
      path: 'packer/pulsar-base.pkr.hcl',
      text,
      hcl: (await parse('pulsar-base.pkr.hcl', text)) as Hcl,
    };
  };

  it('has a spec for the lowest plugin version required_plugins allows, and for the highest available', () => {
    const allowed = packerSpecs.filter((spec) => satisfies(spec.version, packerConstraint));
    expect(allowed.map((spec) => spec.version)).toContain(lowestAllowed(packerConstraint));
    expect(allowed.length).toBeGreaterThanOrEqual(2);
  });

  it('finds nothing wrong with the amazon-ebs source for every allowed plugin version', async () => {
    const file = await template();
    for (const spec of packerSpecs.filter((candidate) => satisfies(candidate.version, packerConstraint))) {
      expect(lines(checkPackerTemplate(file, spec)), `plugin ${spec.version}`).toEqual([]);
    }
  });

  it('would refuse the plugin before 1.3.0: imds_support did not exist', () => {
    expect(satisfies('1.2.9', packerConstraint)).toBe(false);
    expect(packerSpecs[0]!.body.attributes.imds_support).toBeDefined();
  });

  it('names every mistake of a bad template', async () => {
    const text = await readFile(join(FIXTURES, 'bad.pkr.hcl'), 'utf8');
    const file = { path: 'bad.pkr.hcl', text, hcl: (await parse('bad.pkr.hcl', text)) as Hcl };
    for (const spec of packerSpecs) {
      expect(lines(checkPackerTemplate(file, spec)), spec.version).toEqual([
        'bad.pkr.hcl:7 source.amazon-ebs.bad ssh_usename: unknown argument "ssh_usename" (did you mean "ssh_username"?) (unknown-argument)',
        'bad.pkr.hcl:9 source.amazon-ebs.bad metadata_options: "metadata_options" is a block: write metadata_options { … }, not metadata_options = … (block-as-attribute)',
        'bad.pkr.hcl:13 source.amazon-ebs.bad tags: "tags" is an argument (map(string)): write tags = …, not tags { … } (attribute-as-block)',
        'bad.pkr.hcl:23 source.amazon-ebs.bad source_ami_filter.newest: unknown argument "newest" (unknown-argument)',
        'bad.pkr.hcl:17 source.amazon-ebs.bad source_ami_filter: at most 1 "source_ami_filter" block(s) allowed, found 2 (too-many-blocks)',
      ]);
    }
  });
});
