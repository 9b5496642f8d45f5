import { DescribeImagesCommand, EC2Client, type Image } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { planAmiBuild } from '../src/aws.js';
import { DEFAULT_OMB_COMMIT, OMB_COMMIT_PATTERN, PULSAR_VERSION_PATTERN } from '../src/index.js';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const image: Image = {
  ImageId: 'ami-00000001',
  Name: 'pulsar-base-4.0.4-x',
  State: 'available',
  Tags: [
    { Key: 'Project', Value: 'pulsar-aws-lab' },
    { Key: 'PulsarVersion', Value: '4.0.4' },
  ],
};

beforeEach(() => {
  ec2Mock.reset();
});

describe('planAmiBuild', () => {
  it('fills in the defaults and would refuse a version that has an image, unless forced', async () => {
    ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image] });
    const plan = await planAmiBuild({
      ec2,
      template: '/t.pkr.hcl',
      clock: { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) },
    });
    expect(plan).toMatchObject({
      region: 'eu-west-1',
      buildId: 'ami-build-20260102-030405',
      pulsarVersion: '4.0.4',
      ombCommit: DEFAULT_OMB_COMMIT,
      javaVersion: '21',
      instanceProfile: undefined,
      existing: ['ami-00000001'],
      existingUnknown: undefined,
      wouldRefuse: true,
    });
    expect((await planAmiBuild({ ec2, template: '/t', force: true })).wouldRefuse).toBe(false);
    expect((await planAmiBuild({ ec2, template: '/t', pulsarVersion: '3.3.2' })).existing).toEqual([]);
  });

  it('still plans when EC2 cannot be asked, and says why', async () => {
    ec2Mock.on(DescribeImagesCommand).rejects(new Error('Could not load credentials from any providers'));
    const plan = await planAmiBuild({ ec2, template: '/t', region: 'us-east-1' });
    expect(plan).toMatchObject({ region: 'us-east-1', existing: undefined, wouldRefuse: false });
    expect(plan.existingUnknown).toContain('Could not load credentials from any providers');
  });
});

describe('version patterns', () => {
  it('accept releases and full commits only', () => {
    expect(PULSAR_VERSION_PATTERN.test('4.0.4')).toBe(true);
    expect(PULSAR_VERSION_PATTERN.test('4.0')).toBe(false);
    expect(PULSAR_VERSION_PATTERN.test('v4.0.4')).toBe(false);
    expect(OMB_COMMIT_PATTERN.test(DEFAULT_OMB_COMMIT)).toBe(true);
    expect(OMB_COMMIT_PATTERN.test('00502be')).toBe(false);
  });
});
