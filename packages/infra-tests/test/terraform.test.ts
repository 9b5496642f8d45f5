// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are Terraform expressions, whose interpolation syntax is ${…}.
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { ssmAgentActions } from '@lab/ami-builder';
import {
  type ClusterDocument,
  formatTerraformVariables,
  parseClusterDocument,
  TERRAFORM_OUTPUT_NAMES,
  TERRAFORM_VARIABLE_NAMES,
  type TerraformVariablesInput,
  terraformVariablesSchema,
} from '@lab/infra';
import { describeWithTools } from '@lab/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createRoot, createSandbox, runBootstrap } from './support/bootstrap-harness.js';
import { TERRAFORM_DIR } from './support/paths.js';
import {
  blocks,
  findTerraform,
  type Hcl,
  loadTerraform,
  locals,
  resources,
  type TfFile,
  terraform,
} from './support/terraform.js';

// Every AWS resource type terraform/ uses must be listed here, so a new one forces a decision.
const TAGGABLE = new Set([
  'aws_vpc',
  'aws_default_security_group',
  'aws_internet_gateway',
  'aws_subnet',
  'aws_route_table',
  'aws_security_group',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
  'aws_iam_role',
  'aws_iam_policy',
  'aws_iam_instance_profile',
  'aws_vpc_endpoint',
  'aws_instance',
  'aws_ebs_volume',
]);
const NOT_TAGGABLE = new Set([
  'aws_route',
  'aws_route_table_association',
  'aws_iam_role_policy_attachment',
  'aws_volume_attachment',
]);
// Resources that belong to one role carry its Component tag.
const PER_ROLE = new Set([
  'aws_instance',
  'aws_ebs_volume',
  'aws_security_group',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
]);

let files: TfFile[];

beforeAll(async () => {
  files = await loadTerraform();
});

const expression = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

describe('terraform/ parses', () => {
  it('parses every .tf file with a real HCL parser', () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
    for (const module of [
      '.',
      'modules/network',
      'modules/security',
      'modules/iam',
      'modules/compute',
      'modules/storage',
    ]) {
      expect(files.some((file) => file.module === module)).toBe(true);
    }
  });

  it('uses a parser that does reject broken HCL', async () => {
    await expect(parse('broken.tf', 'resource "aws_vpc" "x" {\n  cidr_block = \n')).rejects.toThrow();
  });
});

describe('terraform/ versions, provider and state', () => {
  it('pins Terraform and the AWS provider in every module that uses AWS', () => {
    const awsModules = new Set(resources(files).map((resource) => resource.module));
    awsModules.add('.');
    for (const module of awsModules) {
      const settings = files
        .filter((file) => file.module === module)
        .flatMap((file) => (file.hcl.terraform ?? []) as Hcl[]);
      expect(settings, module).toHaveLength(1);
      expect(settings[0]!.required_version, module).toBe('>= 1.9.0, < 2.0.0');
      const aws = (settings[0]!.required_providers as Hcl[])[0]!.aws as Hcl;
      expect(aws, module).toEqual({ source: 'hashicorp/aws', version: '>= 5.80.0, < 7.0.0' });
    }
  });

  it('configures the provider once, in the root, with the lab tags as default_tags', () => {
    const providers = files.filter((file) => file.hcl.provider !== undefined);
    expect(providers.map((file) => file.path)).toEqual(['providers.tf']);
    const aws = providers[0]!.hcl.provider.aws[0] as Hcl;
    expect(aws.default_tags[0].tags).toBe('${local.lab_tags}');
    const labTags = expression(locals(files).lab_tags);
    // User tags first, so the lab's own keys always win.
    expect(labTags).toMatch(/^\$\{merge\(var\.tags, \{/);
    expect(labTags).toMatch(/Project\s+= "pulsar-aws-lab"/);
    expect(labTags).toMatch(/ExperimentID\s+= var\.experiment_id/);
    expect(labTags).toMatch(/ManagedBy\s+= var\.managed_by/);
    expect(labTags).toMatch(/CreatedAt\s+= var\.created_at/);
    expect(labTags).toMatch(/ExpiresAt\s+= local\.expires_at/);
    expect(locals(files).expires_at).toBe('${timeadd(var.created_at, "${var.ttl_hours}h")}');
  });

  it('keeps state local to the experiment: only the local backend (path given per experiment), no remote state', () => {
    const backends: string[] = [];
    for (const file of files) {
      for (const settings of (file.hcl.terraform ?? []) as Hcl[]) {
        if (settings.backend !== undefined) backends.push(...Object.keys(settings.backend as Hcl));
        expect(settings.cloud, file.path).toBeUndefined();
      }
    }
    // Without an explicit local backend, `init -backend-config=path=…` is ignored (a warning)
    // and every experiment would share terraform.tfstate next to the module.
    expect(backends).toEqual(['local']);
    expect(resources(files, 'data').map((data) => data.type)).not.toContain('terraform_remote_state');
  });
});

describe('terraform/ tags', () => {
  it('knows every resource type it uses', () => {
    for (const resource of resources(files)) {
      expect(
        TAGGABLE.has(resource.type) || NOT_TAGGABLE.has(resource.type),
        `${resource.file}: ${resource.type} is neither TAGGABLE nor NOT_TAGGABLE in this test`,
      ).toBe(true);
    }
  });

  it('names every taggable resource and gives per-role resources their Component', () => {
    for (const resource of resources(files).filter((candidate) => TAGGABLE.has(candidate.type))) {
      const where = `${resource.file}: ${resource.type}.${resource.name}`;
      const tags = resource.body.tags as Hcl | undefined;
      expect(tags, `${where} has no tags block`).toBeDefined();
      expect(tags!.Name, `${where} has no Name tag`).toBeDefined();
      // The network module's resources (incl. the endpoints' group) serve every role.
      if (PER_ROLE.has(resource.type) && resource.module !== 'modules/network')
        expect(tags!.Component, `${where} has no Component tag`).toBeDefined();
    }
  });

  it('tags root volumes with the lab tags explicitly', () => {
    const [instance] = resources(files).filter((resource) => resource.type === 'aws_instance');
    const root = instance!.body.root_block_device[0] as Hcl;
    expect(root.tags).toMatch(/^\$\{merge\(var\.root_volume_tags, \{/);
    expect(root.tags).toMatch(/Component = each\.value\.role/);
    expect(blocks(files, 'module').get('compute')!.root_volume_tags).toBe('${local.lab_tags}');
  });
});

describe('terraform/ security', () => {
  it('opens no port to 0.0.0.0/0 by default', () => {
    const all = resources(files);
    expect(all.map((resource) => resource.type)).not.toContain('aws_security_group_rule');
    for (const group of all.filter((resource) => resource.type === 'aws_security_group')) {
      expect(group.body.ingress, 'inline ingress rules').toBeUndefined();
    }
    const ingress = all.filter((resource) => resource.type === 'aws_vpc_security_group_ingress_rule');
    expect(ingress.map((rule) => rule.name).sort()).toEqual(['admin', 'endpoints_https', 'peer']);
    // The VPC endpoints take HTTPS from the VPC only.
    expect(ingress.find((rule) => rule.name === 'endpoints_https')!.body).toMatchObject({
      cidr_ipv4: '${aws_vpc.this.cidr_block}',
      from_port: 443,
      to_port: 443,
    });
    for (const rule of ingress) {
      const text = JSON.stringify(rule.body);
      expect(text).not.toContain('0.0.0.0/0');
      expect(text).not.toContain('::/0');
      expect(rule.body.cidr_ipv6).toBeUndefined();
    }
    const peer = ingress.find((rule) => rule.name === 'peer')!;
    expect(peer.body.cidr_ipv4).toBeUndefined();
    expect(peer.body.referenced_security_group_id).toBe('${aws_security_group.role[each.value.source].id}');
    // The only CIDR ingress comes from admin_cidrs, which is empty by default and refuses 0.0.0.0/0.
    const admin = ingress.find((rule) => rule.name === 'admin')!;
    expect(admin.body.for_each).toBe('${local.admin_rules}');
    expect(expression(locals(files, 'modules/security').admin_rules)).toContain(
      'for cidr in var.admin_cidrs',
    );
    expect(blocks(files, 'module').get('security')!.admin_cidrs).toBe('${var.admin_cidrs}');
    const adminCidrs = blocks(files, 'variable').get('admin_cidrs')!;
    expect(adminCidrs.default).toEqual([]);
    // Per entry: at most /16, IPv4 only (the rendering tests below run Terraform on bad inputs).
    expect(JSON.stringify(adminCidrs.validation)).toContain('tonumber(split(\\"/\\", cidr)[1]) >= 16');
    expect(JSON.stringify(adminCidrs.validation)).toContain('!strcontains(cidr, \\":\\")');
  });

  it('attaches the SSM instance profile to every instance, with only the SSM agent policy', () => {
    const all = resources(files);
    for (const type of ['aws_launch_template', 'aws_spot_instance_request', 'aws_autoscaling_group']) {
      expect(all.map((resource) => resource.type)).not.toContain(type);
    }
    const instances = all.filter((resource) => resource.type === 'aws_instance');
    expect(instances).toHaveLength(1);
    expect(instances[0]!.body.for_each).toBe('${var.instances}');
    expect(instances[0]!.body.iam_instance_profile).toBe('${var.instance_profile_name}');
    expect(blocks(files, 'module').get('compute')!.instance_profile_name).toBe(
      '${module.iam.instance_profile_name}',
    );
    // Every role's instances go through that one resource.
    expect(expression(locals(files).instances)).toMatch(/for role in local\.roles/);

    // One customer policy, no AWS managed policy (AmazonSSMManagedInstanceCore reads every parameter).
    const attachments = all.filter((resource) => resource.type === 'aws_iam_role_policy_attachment');
    expect(attachments.map((attachment) => attachment.body.policy_arn)).toEqual([
      '${aws_iam_policy.ssm_agent.arn}',
    ]);
    expect(files.map((file) => file.text).join('\n')).not.toMatch(/iam::aws:policy\//);
    expect(all.map((resource) => resource.type)).not.toContain('aws_iam_role_policy');
    const policy = all.find((resource) => resource.type === 'aws_iam_policy')!;
    expect(policy.body.policy).toBe('${data.aws_iam_policy_document.ssm_agent.json}');
    expect(policy.body.tags.Name).toBeDefined();
    const document = resources(files, 'data').find(
      (data) => data.type === 'aws_iam_policy_document' && data.name === 'ssm_agent',
    )!;
    const statements = document.body.statement as Hcl[];
    for (const statement of statements) {
      expect(statement.resources).toEqual(['*']);
      expect(statement.effect ?? 'Allow').toBe('Allow');
      expect(statement.condition).toBeUndefined();
    }
    // The same actions as the AMI build profile's policy, and nothing on Parameter Store.
    const actions = statements.flatMap((statement) => statement.actions as string[]).sort();
    expect(actions).toEqual(ssmAgentActions());
    expect(actions.filter((action) => /Parameter|^s3:|^kms:|\*/.test(action))).toEqual([]);
    const profile = blocks(files, 'output', 'modules/iam').get('instance_profile_name')!;
    expect(profile.depends_on).toEqual(['${aws_iam_role_policy_attachment.ssm_agent}']);
  });

  it('requires IMDSv2 on every instance', () => {
    for (const instance of resources(files).filter((resource) => resource.type === 'aws_instance')) {
      expect(instance.body.metadata_options[0]).toMatchObject({
        http_endpoint: 'enabled',
        http_tokens: 'required',
      });
    }
  });
});

describe('terraform/ volumes', () => {
  it('makes root volumes at least as large as the AMI snapshot, encrypted', () => {
    const [instance] = resources(files).filter((resource) => resource.type === 'aws_instance');
    const root = instance!.body.root_block_device[0] as Hcl;
    expect(root.volume_size).toBe('${max(each.value.root_volume_gb, local.ami_root_size_gb)}');
    expect(root.encrypted).toBe(true);
    const size = expression(locals(files, 'modules/compute').ami_root_size_gb);
    expect(size).toContain('data.aws_ami.lab.block_device_mappings');
    expect(size).toContain('data.aws_ami.lab.root_device_name');
    const ami = resources(files, 'data').find((data) => data.type === 'aws_ami')!;
    expect(ami.body.filter[0]).toEqual({ name: 'image-id', values: ['${var.ami_id}'] });
  });

  it('creates encrypted gp3 bookie volumes with IOPS and throughput from the variables', () => {
    const [volume] = resources(files).filter((resource) => resource.type === 'aws_ebs_volume');
    expect(volume!.body).toMatchObject({
      type: 'gp3',
      encrypted: true,
      size: '${each.value.spec.size_gb}',
      iops: '${each.value.spec.iops}',
      throughput: '${each.value.spec.throughput_mbps}',
    });
    const storage = blocks(files, 'module').get('storage')!;
    expect(storage.journal_volume).toBe('${var.roles.bookkeeper.journal_volume}');
    expect(storage.ledger_volume).toBe('${var.roles.bookkeeper.ledger_volume}');
    // Their ids reach the bootstrap through the cluster document.
    expect(blocks(files, 'module').get('cluster')!.bookie_volumes).toBe('${module.storage.bookie_volumes}');
  });
});

// --- the contract with @lab/infra ----------------------------------------------------------

function innerObjectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  let current: z.core.$ZodType = schema;
  for (let depth = 0; depth < 10; depth++) {
    const def = current._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      innerType?: z.core.$ZodType;
    };
    if (def.type === 'object') return def.shape;
    if (def.innerType === undefined) return undefined;
    current = def.innerType;
  }
  return undefined;
}

/** Every nested attribute name of the zod schema, with its top-level variable. */
function nestedKeys(
  shape: Record<string, z.core.$ZodType>,
  prefix: string[] = [],
): Array<{ path: string[]; key: string }> {
  return Object.entries(shape).flatMap(([key, schema]) => {
    const inner = innerObjectShape(schema);
    const here = prefix.length === 0 ? [] : [{ path: prefix, key }];
    return inner === undefined ? here : [...here, ...nestedKeys(inner, [...prefix, key])];
  });
}

describe('terraform/ matches the @lab/infra contract', () => {
  it('declares exactly the variables the orchestrator writes', () => {
    const declared = [...blocks(files, 'variable').keys()].sort();
    expect(declared).toEqual([...TERRAFORM_VARIABLE_NAMES].sort());
  });

  it('declares every nested attribute of the schema in the variable types', () => {
    const variables = blocks(files, 'variable');
    for (const { path, key } of nestedKeys(terraformVariablesSchema.shape)) {
      const type = String(variables.get(path[0]!)!.type);
      expect(type, `variable "${path[0]}" lacks ${[...path, key].join('.')}`).toMatch(
        new RegExp(`(^|[\\s{(,])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*=`),
      );
    }
  });

  it('declares every output the orchestrator reads', () => {
    const outputs = blocks(files, 'output');
    for (const name of TERRAFORM_OUTPUT_NAMES) expect(outputs.has(name), `output "${name}"`).toBe(true);
    const roles = expression(outputs.get('roles')!.value);
    expect(roles).toContain('instance_ids');
    expect(roles).toContain('private_ips');
    expect(roles).toContain('for role in local.roles');
  });

  it('passes the root variables unchanged to the provider-less cluster module', () => {
    // The rendering test below calls that module the same way; keep the two in step.
    expect(blocks(files, 'module').get('cluster')).toMatchObject({
      source: './modules/cluster',
      experiment_id: '${var.experiment_id}',
      network: '${var.network}',
      roles: '${var.roles}',
      pulsar: '${var.pulsar}',
      availability_zones: '${local.availability_zones}',
    });
  });

  it('keeps program logic out of user-data: the template only inserts the cluster JSON and the expiry', async () => {
    const template = files.find((file) => file.path === 'modules/cluster-document/main.tf')!;
    expect(template.text).toContain('templatefile("${path.module}/user-data.sh.tftpl", {');
    expect(template.text).toContain('cluster_json = jsonencode(document)');
    expect(template.text).toContain('expires_at   = local.expires_at_calendar');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(TERRAFORM_DIR, 'modules/cluster-document/user-data.sh.tftpl'), 'utf8');
    expect(text.match(/\$\{[^}]*\}/g)).toEqual(['${expires_at}', '${cluster_json}']);
    expect(text).not.toContain('%{');
    expect(text).toContain("<<'LAB_CLUSTER_JSON'");
    expect(text).toContain('exec /opt/lab/bin/lab-bootstrap');
  });
});

describe('terraform/ lifetime and network options', () => {
  it('shuts every instance down at ExpiresAt, and a shut-down instance terminates', async () => {
    const [instance] = resources(files).filter((resource) => resource.type === 'aws_instance');
    expect(instance!.body.instance_initiated_shutdown_behavior).toBe('terminate');
    expect(instance!.body.user_data).toBe('${each.value.user_data}');
    expect(blocks(files, 'module').get('cluster')!.expires_at).toBe('${local.expires_at}');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(TERRAFORM_DIR, 'modules/cluster-document/user-data.sh.tftpl'), 'utf8');
    // Scheduled before anything else can fail, so a broken bootstrap still expires.
    expect(text.split('\n')[5]).toBe(
      "systemd-run --unit=lab-expiry --on-calendar='${expires_at}' /usr/sbin/shutdown -h now",
    );
  });

  it('with public_ips = false: no internet gateway, no public IP, SSM interface endpoints and an S3 gateway', () => {
    const network = resources(files).filter((resource) => resource.module === 'modules/network');
    const byName = (type: string, name: string) =>
      network.find((resource) => resource.type === type && resource.name === name)!.body;
    expect(byName('aws_internet_gateway', 'this').count).toBe('${var.public_ips ? 1 : 0}');
    expect(byName('aws_route', 'internet').count).toBe('${var.public_ips ? 1 : 0}');
    expect(byName('aws_subnet', 'this').map_public_ip_on_launch).toBe('${var.public_ips}');
    expect(expression(locals(files, 'modules/network').interface_endpoints)).toBe(
      '${var.public_ips ? [] : ["ssm", "ssmmessages", "ec2messages"]}',
    );
    expect(byName('aws_vpc_endpoint', 'interface')).toMatchObject({
      for_each: '${toset(local.interface_endpoints)}',
      service_name: 'com.amazonaws.${var.region}.${each.key}',
      vpc_endpoint_type: 'Interface',
      private_dns_enabled: true,
      subnet_ids: '${aws_subnet.this[*].id}',
    });
    expect(byName('aws_vpc_endpoint', 's3')).toMatchObject({
      count: '${var.public_ips ? 0 : 1}',
      vpc_endpoint_type: 'Gateway',
      route_table_ids: ['${aws_route_table.this.id}'],
    });
    expect(byName('aws_vpc', 'this')).toMatchObject({ enable_dns_support: true, enable_dns_hostnames: true });
    const [instance] = resources(files).filter((resource) => resource.type === 'aws_instance');
    expect(instance!.body.associate_public_ip_address).toBe('${var.public_ips}');
    expect(blocks(files, 'module').get('compute')!.public_ips).toBe('${var.network.public_ips}');
    expect(blocks(files, 'module').get('network')!.public_ips).toBe('${var.network.public_ips}');
    // Instances wait for the endpoints as they wait for the route.
    expect(blocks(files, 'output', 'modules/network').get('subnet_ids')!.depends_on).toContain(
      '${aws_vpc_endpoint.interface}',
    );
    expect(String(blocks(files, 'variable').get('network')!.type)).toMatch(
      /public_ips\s+= optional\(bool, true\)/,
    );
  });
});

// --- with a terraform binary ---------------------------------------------------------------

const runFile = promisify(execFile);

async function findSystemdAnalyze(): Promise<string | undefined> {
  try {
    return (await runFile('bash', ['-c', 'command -v systemd-analyze'])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const sampleVariables: TerraformVariablesInput = {
  experiment_id: 'exp-20261127-031200',
  region: 'eu-west-1',
  ami_id: 'ami-0123456789abcdef0',
  created_at: '2026-11-27T03:12:00Z',
  tags: { Owner: 'ana' },
  network: { availability_zones: ['eu-west-1a', 'eu-west-1b'] },
  roles: {
    zookeeper: { count: 3, instance_type: 't3.medium' },
    bookkeeper: {
      count: 3,
      instance_type: 'i4i.xlarge',
      journal_volume: { size_gb: 100, iops: 6000, throughput_mbps: 500 },
      ledger_volume: { size_gb: 500 },
    },
    broker: { count: 2, instance_type: 'm6i.xlarge' },
    client: { count: 1, instance_type: 'c6i.xlarge' },
  },
  pulsar: {
    cluster_name: 'bench',
    ensemble_size: 3,
    write_quorum: 3,
    ack_quorum: 2,
    broker_settings: { managedLedgerMaxEntriesPerLedger: '50000' },
  },
};

// The root's module "cluster" call, with the provider-backed inputs replaced by fixed values.
const RENDER_ROOT = `
module "cluster" {
  source = "./terraform/modules/cluster"

  experiment_id      = var.experiment_id
  expires_at         = timeadd(var.created_at, "\${var.ttl_hours}h")
  network            = var.network
  roles              = var.roles
  pulsar             = var.pulsar
  availability_zones = var.network.availability_zones
  bookie_volumes = [
    for index in range(var.roles.bookkeeper.count) : {
      journal = { volume_id = format("vol-%017x", 2 * index + 1), device_name = "/dev/sdf" }
      ledgers = { volume_id = format("vol-%017x", 2 * index + 2), device_name = "/dev/sdg" }
    }
  ]
}

output "members" { value = module.cluster.members }
output "user_data" { value = module.cluster.user_data }
output "expires_at" { value = timeadd(var.created_at, "\${var.ttl_hours}h") }
`;

const MISSING_TERRAFORM =
  '!!! terraform is not on PATH: SKIPPING `terraform fmt -check` and the user-data rendering checks (static checks above still ran)';

// The rendered documents are fed to the real bootstrap, which needs jq.
describeWithTools(['jq'], 'terraform/ with the terraform binary', () => {
  let binary: string | undefined;
  let work: string;

  beforeAll(async () => {
    binary = await findTerraform();
    if (binary === undefined) {
      console.warn(`\n${MISSING_TERRAFORM}\n`);
      return;
    }
    // A provider-less root: the real variables.tf plus the cluster module; no download needed.
    work = await mkdtemp(join(tmpdir(), 'lab-terraform-'));
    // A copy of terraform/ inside the root: local module sources may not leave their package.
    await cp(TERRAFORM_DIR, join(work, 'terraform'), {
      recursive: true,
      filter: (source) => !source.includes(`${sep}.terraform`),
    });
    await copyFile(join(TERRAFORM_DIR, 'variables.tf'), join(work, 'variables.tf'));
    await writeFile(join(work, 'main.tf'), RENDER_ROOT);
    const init = await terraform(binary, ['init', '-input=false', '-no-color', '-backend=false'], work);
    expect(init.code, init.stderr).toBe(0);
  });

  afterAll(async () => {
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('finds terraform/ formatted (terraform fmt -check -recursive)', async () => {
    if (binary === undefined) return console.warn(MISSING_TERRAFORM);
    const result = await terraform(
      binary,
      ['fmt', '-check', '-recursive', '-diff', '-no-color'],
      TERRAFORM_DIR,
    );
    expect(result.code, `terraform fmt would change:\n${result.stdout}`).toBe(0);
  });

  it('accepts the tfvars @lab/infra writes and renders user-data that only carries the cluster document', async () => {
    if (binary === undefined) return console.warn(MISSING_TERRAFORM);
    await writeFile(join(work, 'terraform.tfvars.json'), formatTerraformVariables(sampleVariables));
    const apply = await terraform(binary, ['apply', '-auto-approve', '-input=false', '-no-color'], work);
    expect(apply.code, apply.stderr).toBe(0);
    const outputs = JSON.parse((await terraform(binary, ['output', '-json'], work)).stdout) as Record<
      string,
      { value: unknown }
    >;

    // Deterministic addresses: role blocks of 40 host numbers, instances round-robin over the subnets.
    expect(outputs.members!.value).toEqual({
      zookeeper: ['10.42.0.10', '10.42.1.10', '10.42.0.11'],
      bookkeeper: ['10.42.0.50', '10.42.1.50', '10.42.0.51'],
      broker: ['10.42.0.90', '10.42.1.90'],
      client: ['10.42.0.130'],
    });
    expect(outputs.expires_at!.value).toBe('2026-11-28T03:12:00Z');

    const userData = outputs.user_data!.value as Record<ClusterDocument['role'], string[]>;
    const documents: ClusterDocument[] = [];
    for (const [role, scripts] of Object.entries(userData)) {
      for (const [index, script] of scripts.entries()) {
        const match = /^cat > \/etc\/lab\/cluster\.json <<'LAB_CLUSTER_JSON'\n(.*)\nLAB_CLUSTER_JSON$/m.exec(
          script,
        );
        expect(match, `${role}-${index} user-data`).not.toBeNull();
        const document = parseClusterDocument(JSON.parse(match![1]!));
        expect(document).toMatchObject({ role, index });
        // Nothing else than the fixed wrapper around the document and the expiry.
        expect(script.replace(match![1]!, '<json>')).toBe(
          [
            '#!/bin/bash',
            "# pulsar-aws-lab user-data: shuts this instance down at the experiment's ExpiresAt (it then",
            '# terminates), writes its cluster document and runs the baked bootstrap.',
            'set -euo pipefail',
            "# shellcheck disable=SC2016 # Terraform's templatefile fills in the time before the shell sees it",
            "systemd-run --unit=lab-expiry --on-calendar='2026-11-28 03:12:00 UTC' /usr/sbin/shutdown -h now",
            'install -d -m 0755 /etc/lab',
            "cat > /etc/lab/cluster.json <<'LAB_CLUSTER_JSON'",
            '<json>',
            'LAB_CLUSTER_JSON',
            'chmod 0644 /etc/lab/cluster.json',
            'exec /opt/lab/bin/lab-bootstrap',
            '',
          ].join('\n'),
        );
        documents.push(document);
      }
    }
    expect(documents).toHaveLength(9);

    // systemd reads the expiry as the exact instant of ExpiresAt (2026-11-28T03:12:00Z).
    const analyze = await findSystemdAnalyze();
    if (analyze === undefined) {
      console.warn('!!! systemd-analyze is not on PATH: SKIPPING the check of the expiry calendar time');
    } else {
      const { stdout } = await runFile(analyze, ['calendar', '2026-11-28 03:12:00 UTC']);
      expect(stdout).toContain('Normalized form: 2026-11-28 03:12:00 UTC');
    }
    const bookie = documents.find((document) => document.role === 'bookkeeper' && document.index === 1)!;
    expect(bookie).toEqual({
      schema_version: 1,
      experiment_id: 'exp-20261127-031200',
      cluster_name: 'bench',
      role: 'bookkeeper',
      index: 1,
      private_ip: '10.42.1.50',
      members: outputs.members!.value,
      volumes: {
        journal: { volume_id: 'vol-00000000000000003', device_name: '/dev/sdf' },
        ledgers: { volume_id: 'vol-00000000000000004', device_name: '/dev/sdg' },
      },
      jvm: { heap_mb: 2048, direct_memory_mb: 2048 },
      quorum: { ensemble_size: 3, write_quorum: 3, ack_quorum: 2 },
      settings: {},
    });
    const broker = documents.find((document) => document.role === 'broker')!;
    expect(broker.settings).toEqual({ managedLedgerMaxEntriesPerLedger: '50000' });
    expect(broker.volumes).toBeNull();

    // The rendered document is one the bootstrap accepts.
    const sandbox = await createSandbox();
    try {
      await writeFile(join(sandbox.state, 'initialized'), '');
      for (const document of [bookie, broker]) {
        const root = await createRoot(sandbox, `${document.role}-${document.index}`, document);
        const result = await runBootstrap(sandbox, root);
        expect(result.code, result.stderr).toBe(0);
      }
    } finally {
      await rm(sandbox.dir, { recursive: true, force: true });
    }
  });

  it("rejects bad variables with Terraform's own validations", async () => {
    if (binary === undefined) return console.warn(MISSING_TERRAFORM);
    const cases: Array<[string, unknown, RegExp]> = [
      [
        'quorum above the bookies',
        { ...sampleVariables, pulsar: { ensemble_size: 4, write_quorum: 3, ack_quorum: 2 } },
        /Quorums must satisfy/,
      ],
      [
        'open admin CIDR',
        { ...sampleVariables, admin_cidrs: ['0.0.0.0/0'] },
        /at most \/16 wide.*0\.0\.0\.0\/0 would open/,
      ],
      [
        'the internet split in two halves',
        { ...sampleVariables, admin_cidrs: ['203.0.113.7/32', '0.0.0.0/1', '128.0.0.0/1'] },
        /at most \/16 wide \(65,536 addresses\); 0\.0\.0\.0\/1, 128\.0\.0\.0\/1 would open/,
      ],
      ['a /8', { ...sampleVariables, admin_cidrs: ['10.0.0.0/8'] }, /10\.0\.0\.0\/8 would open/],
      ['IPv6', { ...sampleVariables, admin_cidrs: ['::/0'] }, /IPv6 is not supported \(::\/0\)/],
      [
        'host bits set',
        { ...sampleVariables, admin_cidrs: ['203.0.113.7/24'] },
        /without host bits.*got 203\.0\.113\.7\/24/,
      ],
      ['a lab tag in user tags', { ...sampleVariables, tags: { ExpiresAt: 'never' } }, /tags may not set/],
      [
        'even ZooKeeper count',
        {
          ...sampleVariables,
          roles: { ...sampleVariables.roles, zookeeper: { count: 2, instance_type: 't3.medium' } },
        },
        /roles\.zookeeper\.count must be odd/,
      ],
    ];
    for (const [name, variables, message] of cases) {
      const file = join(work, 'bad.tfvars.json');
      await writeFile(file, JSON.stringify(variables));
      const plan = await terraform(binary, ['plan', '-input=false', '-no-color', `-var-file=${file}`], work);
      expect(plan.code, name).not.toBe(0);
      expect(plan.stderr.replace(/\s+/g, ' '), name).toMatch(message);
    }
  });
});
