import { resolveConfig } from '@lab/config';
import { describe, expect, it } from 'vitest';
import { planExperiment } from '../src/index.js';

const plan = async (publicIps: boolean) =>
  planExperiment({
    resolved: await resolveConfig({ files: [], set: [`infrastructure.network.publicIps=${publicIps}`] }),
    experimentId: 'exp-20260101-120000',
    createdAtMs: Date.UTC(2026, 0, 1),
    terraform: { moduleDir: 'terraform', workDir: '/tmp/exp/terraform' },
  });

describe('the estimate prices the network the configuration asks for', () => {
  it('public IPv4 addresses with public IPs, interface endpoints without', async () => {
    const items = (publicIps: boolean) =>
      plan(publicIps).then((result) =>
        result.cost.estimate.lines.filter((line) => line.group === 'network').map((line) => line.item),
      );
    expect(await items(true)).toEqual(['public-ipv4']);
    expect(await items(false)).not.toContain('public-ipv4');
    expect((await items(false)).length).toBeGreaterThan(0);
  });
});
