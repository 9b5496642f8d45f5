// What `terraform apply` of the lab's module creates, made in moto with the plain SDK for the
// kill tests' terraform stand-in: a tagged VPC with a subnet, an internet gateway and a route
// table, a security group per role, 3 ZooKeeper, 3 bookies (two extra volumes each), 2 brokers
// and 2 clients. Writes the outputs in the shape of terraform/outputs.tf, and the instances for
// the test's simulated SSM fleet.
// Usage: node moto-apply.mjs <terraform work dir> <instances.json>
//        node moto-apply.mjs <terraform work dir> --late   (one more volume, as an apply that
//        is still running creates resources after everything else)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';

const [workDir, instancesFile] = process.argv.slice(2);
const vars = JSON.parse(readFileSync(join(workDir, 'terraform.tfvars.json'), 'utf8'));
const experiment = vars.experiment_id;
const region = vars.region;
const ec2 = new EC2Client({ region, endpoint: process.env.AWS_ENDPOINT_URL, maxAttempts: 3 });
const tags = (type, extra = {}) => [
  {
    ResourceType: type,
    Tags: Object.entries({
      Project: 'pulsar-aws-lab',
      ExperimentID: experiment,
      ManagedBy: 'terraform',
      ...extra,
    }).map(([Key, Value]) => ({ Key, Value })),
  },
];

if (instancesFile === '--late') {
  // A volume needs nothing the teardown may have deleted meanwhile (a subnet would).
  const late = await ec2.send(
    new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 10, TagSpecifications: tags('volume') }),
  );
  console.log(`moto: created ${late.VolumeId} late for ${experiment}`);
  process.exit(0);
}

const vpc = (
  await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16', TagSpecifications: tags('vpc') }))
).Vpc.VpcId;
const subnet = (
  await ec2.send(
    new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.42.1.0/24', TagSpecifications: tags('subnet') }),
  )
).Subnet.SubnetId;
const gateway = (
  await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tags('internet-gateway') }))
).InternetGateway.InternetGatewayId;
await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gateway, VpcId: vpc }));
const table = (
  await ec2.send(new CreateRouteTableCommand({ VpcId: vpc, TagSpecifications: tags('route-table') }))
).RouteTable.RouteTableId;
await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: subnet }));
const image = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }))).Images[0]
  .ImageId;

const counts = { zookeeper: 3, bookkeeper: 3, broker: 2, client: 2 };
const groups = {};
const roles = {};
const instances = [];
for (const [role, count] of Object.entries(counts)) {
  groups[role] = (
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `${experiment}-${role}`,
        Description: role,
        VpcId: vpc,
        TagSpecifications: tags('security-group', { Component: role }),
      }),
    )
  ).GroupId;
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: image,
      InstanceType: 't3.large',
      MinCount: count,
      MaxCount: count,
      SubnetId: subnet,
      SecurityGroupIds: [groups[role]],
      ...(role === 'bookkeeper'
        ? {
            BlockDeviceMappings: [
              { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 10, DeleteOnTermination: false } },
              { DeviceName: '/dev/sdg', Ebs: { VolumeSize: 10, DeleteOnTermination: false } },
            ],
          }
        : {}),
      TagSpecifications: [...tags('instance', { Component: role }), ...tags('volume', { Component: role })],
    }),
  );
  roles[role] = {
    instance_ids: run.Instances.map((instance) => instance.InstanceId),
    private_ips: run.Instances.map((instance) => instance.PrivateIpAddress),
  };
  for (const instance of run.Instances) instances.push({ id: instance.InstanceId, role });
}
const output = (value, type = 'string') => ({ sensitive: false, type, value });
const brokers = roles.broker.private_ips;
const zookeepers = roles.zookeeper.private_ips;
const outputs = {
  experiment_id: output(experiment),
  region: output(region),
  vpc_id: output(vpc),
  subnet_ids: output([subnet], ['list', 'string']),
  security_group_ids: output(groups, ['object', {}]),
  instance_profile_name: output(`pulsar-aws-lab-${experiment}`),
  roles: output(roles, ['object', {}]),
  bookkeeper_volumes: output(
    roles.bookkeeper.instance_ids.map((_, index) => ({
      journal: { volume_id: `vol-journal-${index}`, device_name: '/dev/sdf' },
      ledgers: { volume_id: `vol-ledgers-${index}`, device_name: '/dev/sdg' },
    })),
    ['list', {}],
  ),
  cluster: output(
    {
      name: 'lab',
      service_url: `pulsar://${brokers.map((ip) => `${ip}:6650`).join(',')}`,
      web_service_url: `http://${brokers[0]}:8080`,
      metadata_store_url: `zk:${zookeepers.map((ip) => `${ip}:2181`).join(',')}`,
    },
    ['object', {}],
  ),
};
writeFileSync(join(workDir, 'moto-outputs.json'), `${JSON.stringify(outputs, null, 2)}\n`);
writeFileSync(instancesFile, JSON.stringify(instances));
console.log(`moto: created ${instances.length} instances in ${vpc} for ${experiment}`);
