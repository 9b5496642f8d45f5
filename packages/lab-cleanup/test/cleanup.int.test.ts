// lab-cleanup end to end against moto: the real CLI entry (`main` with argv), real SDK clients
// created by the CLI from --endpoint-url and credentials in the environment.
//
// What moto 5.2.1 lacks, checked by hand and covered by the unit tests instead:
// - placement groups are not implemented (every call is an HTTP 500): `--exclude-type placement-group`;
// - DeleteSecurityGroup, DeleteSubnet, DetachInternetGateway and DeleteNetworkInterface never
//   refuse with DependencyViolation (real EC2 does); only DeleteVpc does. The fault-injection
//   run adds the DependencyViolations real AWS would send;
// - CreateImage cannot tag snapshots: the AMI's snapshot is found through the AMI;
// - ListInstanceProfileTags is not implemented: profiles' tags come from GetInstanceProfile.
import {
  buildTopology,
  countResources,
  describeWithMoto,
  type FaultInjector,
  injectFaults,
  labTagsFor,
  motoAccount,
  survivors,
} from '@lab/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import {
  A,
  baseArgs,
  buildWorld,
  capture,
  expectUntouched,
  useCredentials,
  type World,
} from './support/world.js';

describeWithMoto('lab-cleanup against moto', () => {
  describe('without faults', () => {
    let world: World;
    beforeAll(async () => {
      world = await buildWorld();
      useCredentials(world.account);
    });

    it('prints the plan in a dry run and changes nothing', async () => {
      const out = capture();
      const err = capture();
      const code = await main([A, ...baseArgs(world.account)], { stdout: out.stream, stderr: err.stream });
      expect(code, err.text()).toBe(0);
      expect(err.text()).toMatch(/type\s+id\s+region\s+name\s+waits for/);
      expect(err.text()).toContain('Dry run: nothing was deleted');
      expect(err.text()).toContain(world.a.vpcs[0]!);
      expect(err.text()).not.toContain(world.b.vpcs[0]!);
      expect(await survivors(world.account, world.a)).toHaveLength(countResources(world.a));
    });

    it('--execute --yes deletes exactly experiment A and verifies it', async () => {
      const out = capture();
      const err = capture();
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes', '--json'], {
        stdout: out.stream,
        stderr: err.stream,
      });
      expect(code, out.text() + err.text()).toBe(0);
      const lines = out
        .text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; data?: Record<string, unknown> });
      const result = lines.find((line) => line.type === 'result')!.data!;
      expect(result.complete).toBe(true);
      expect(result.deleted).toHaveLength(countResources(world.a));
      expect(await survivors(world.account, world.a)).toEqual([]);
      await expectUntouched(world);
    });

    it('is idempotent: a second run finds nothing and succeeds', async () => {
      const err = capture();
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: err.stream,
      });
      expect(code).toBe(0);
      expect(err.text()).toContain('Nothing to delete');
      await expectUntouched(world);
    });
  });

  describe('with throttling and DependencyViolation injected', () => {
    it('retries until everything of A is gone and leaves the rest alone', async () => {
      const world = await buildWorld();
      useCredentials(world.account);
      const injectors: FaultInjector[] = [];
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: capture().stream,
        instrument: (clients) => {
          injectors.push(
            injectFaults(clients.ec2, [
              { command: 'DescribeInstancesCommand', code: 'RequestLimitExceeded', status: 503, times: 2 },
              { command: 'TerminateInstancesCommand', code: 'RequestLimitExceeded', status: 503 },
              { command: 'DeleteVolumeCommand', code: 'Throttling', times: 2 },
              { command: 'DeleteSecurityGroupCommand', code: 'DependencyViolation', times: 2 },
              { command: 'DeleteSubnetCommand', code: 'DependencyViolation' },
              { command: 'DeleteInternetGatewayCommand', code: 'DependencyViolation' },
              { command: 'DeleteVpcCommand', code: 'DependencyViolation', times: 2 },
            ]),
            injectFaults(clients.iam, [
              { command: 'DeleteRoleCommand', code: 'Throttling' },
              { command: 'DeleteInstanceProfileCommand', code: 'DeleteConflict' },
            ]),
            injectFaults(clients.s3, [{ command: 'DeleteObjectsCommand', code: 'SlowDown', status: 503 }]),
          );
        },
      });
      expect(code).toBe(0);
      const fired = injectors.flatMap((injector) => injector.injected.map((fault) => fault.code));
      expect(fired.filter((code) => code === 'DependencyViolation')).toHaveLength(6);
      expect(fired.length).toBeGreaterThanOrEqual(14);
      expect(await survivors(world.account, world.a)).toEqual([]);
      await expectUntouched(world);
    });

    it('exits 3 naming each remaining resource and its last error when a dependency never clears', async () => {
      const world = await buildWorld();
      useCredentials(world.account);
      const err = capture();
      const code = await main([A, ...baseArgs(world.account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: err.stream,
        instrument: (clients) => {
          injectFaults(clients.ec2, [
            {
              command: 'DeleteVpcCommand',
              code: 'DependencyViolation',
              message: 'The vpc has dependencies and cannot be deleted.',
              times: 1000,
            },
          ]);
        },
      });
      expect(code).toBe(3);
      expect(err.text()).toMatch(
        new RegExp(`vpc\\s+${world.a.vpcs[0]}\\s+us-east-1\\s+The vpc has dependencies`),
      );
      expect(err.text()).toContain('Cleanup incomplete: 1 resource(s) remain');
      expect(await survivors(world.account, world.a)).toEqual(world.a.vpcs);
      await expectUntouched(world);
    });
  });

  describe('two runs at once', () => {
    it('do not fight: both finish, everything of A is gone, nothing else is touched', async () => {
      const world = await buildWorld();
      useCredentials(world.account);
      const run = () => {
        const err = capture();
        return main([A, ...baseArgs(world.account), '--execute', '--yes'], {
          stdout: capture().stream,
          stderr: err.stream,
        }).then((code) => ({ code, err: err.text() }));
      };
      const [first, second] = await Promise.all([run(), run()]);
      expect(first.code, first.err).toBe(0);
      expect(second.code, second.err).toBe(0);
      expect(await survivors(world.account, world.a)).toEqual([]);
      await expectUntouched(world);
    });
  });

  describe('--sweep', () => {
    it('deletes only lab experiments past their age or expiry, and nothing of other projects', async () => {
      const account = await motoAccount();
      useCredentials(account);
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      const old = await buildTopology(account, 'sweep-old', {
        tags: { ...labTagsFor('sweep-old'), CreatedAt: iso(now - 2 * 86_400_000) },
        ami: false,
        extras: false,
      });
      const expired = await buildTopology(account, 'sweep-expired', {
        cidr: '10.1.0.0/16',
        tags: {
          ...labTagsFor('sweep-expired'),
          CreatedAt: iso(now - 3_600_000),
          ExpiresAt: iso(now - 60_000),
        },
        ami: false,
        extras: false,
      });
      const young = await buildTopology(account, 'sweep-young', {
        cidr: '10.2.0.0/16',
        tags: {
          ...labTagsFor('sweep-young'),
          CreatedAt: iso(now - 3_600_000),
          ExpiresAt: iso(now + 86_400_000),
        },
        ami: false,
        extras: false,
      });
      const otherProject = await buildTopology(account, 'sweep-other', {
        cidr: '10.3.0.0/16',
        tags: { Project: 'other-project', ExperimentID: 'sweep-other', CreatedAt: iso(now - 5 * 86_400_000) },
        ami: false,
        extras: false,
      });
      const err = capture();
      const code = await main(['--sweep', '--older-than', '6h', ...baseArgs(account), '--execute', '--yes'], {
        stdout: capture().stream,
        stderr: err.stream,
      });
      expect(code, err.text()).toBe(0);
      expect(await survivors(account, old)).toEqual([]);
      expect(await survivors(account, expired)).toEqual([]);
      expect(await survivors(account, young)).toHaveLength(countResources(young));
      expect(await survivors(account, otherProject)).toHaveLength(countResources(otherProject));
    });
  });
});
