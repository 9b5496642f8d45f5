import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssue } from '@lab/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  clusterSchema,
  infrastructureSchema,
  parseConfigText,
  resolveConfigSources,
  SHIPPED_CONFIGS_DIR,
  SHIPPED_DEFAULT_FILES,
  shippedDefaults,
} from '../src/index.js';
import { issuesOf } from './helpers.js';

const REPO_CONFIGS = fileURLToPath(new URL('../../../configs', import.meta.url));

async function tree(root: string): Promise<Record<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries.filter((item) => item.isFile())) {
    const path = join(entry.parentPath, entry.name);
    files[relative(root, path)] = await readFile(path, 'utf8');
  }
  return files;
}

describe('the defaults are the shipped configs/*/default.yaml files', () => {
  const alone = resolveConfigSources({});

  it('ships the repository configs/ in the package, byte for byte', async () => {
    expect(SHIPPED_CONFIGS_DIR).toBe(fileURLToPath(new URL('../configs', import.meta.url)));
    expect(await tree(SHIPPED_CONFIGS_DIR)).toEqual(await tree(REPO_CONFIGS));
  });

  it('resolves a run without --config to exactly what the files say', async () => {
    for (const [section, file] of Object.entries(SHIPPED_DEFAULT_FILES)) {
      const text = await readFile(join(REPO_CONFIGS, file), 'utf8');
      expect(alone.config[section as keyof typeof SHIPPED_DEFAULT_FILES]).toEqual(parse(text));
    }
    // The figures the issue was about: the file's bookie heap and settings, not built-in ones.
    expect(alone.config.cluster.bookkeeper.heapMb).toBe(2048);
    expect(alone.config.cluster.bookkeeper.settings.journalSyncData).toBe(true);
  });

  it('names the file and line of every defaulted value, and the line holds that key', async () => {
    const texts = Object.fromEntries(
      await Promise.all(
        Object.entries(SHIPPED_DEFAULT_FILES).map(async ([section, file]) => [
          section,
          (await readFile(join(REPO_CONFIGS, file), 'utf8')).split('\n'),
        ]),
      ),
    ) as Record<string, string[]>;
    expect(alone.provenance.length).toBeGreaterThan(30);
    for (const entry of alone.provenance) {
      const section = entry.segments[0] as keyof typeof SHIPPED_DEFAULT_FILES;
      expect(entry.provenance, entry.path).toMatchObject({
        kind: 'default',
        file: `@lab/config/configs/${SHIPPED_DEFAULT_FILES[section]}`,
      });
      const line = texts[section]![(entry.provenance as { line: number }).line - 1]!;
      expect(line, entry.path).toContain(`${String(entry.segments.at(-1))}:`);
    }
    expect(alone.explain()).toMatch(
      /^cluster\.bookkeeper\.heapMb\s+2048\s+default:@lab\/config\/configs\/cluster\/default\.yaml:\d+$/m,
    );
  });

  it('has schemas that state no value of their own', () => {
    const infrastructure = infrastructureSchema.safeParse({});
    const cluster = clusterSchema.safeParse({});
    expect(infrastructure.success).toBe(false);
    expect(cluster.success).toBe(false);
    const missing = (issues: ReadonlyArray<{ path: PropertyKey[] }>) =>
      issues.map((issue) => issue.path.join('.')).sort();
    expect(missing(infrastructure.error!.issues)).toEqual(
      ['name', 'tags', 'region', 'spot', 'network', 'pulsarVersion', 'roles'].sort(),
    );
    expect(missing(cluster.error!.issues)).toEqual(
      ['clusterName', 'zookeeper', 'bookkeeper', 'broker', 'client', 'managedLedger'].sort(),
    );
  });

  it('takes another defaults layer when one is given (and nothing else)', () => {
    const [infrastructure, cluster] = shippedDefaults();
    const resolved = resolveConfigSources({
      defaults: [
        {
          ...infrastructure!,
          file: 'site-defaults.yaml',
          text: infrastructure!.text.replace(/^region: .*$/m, 'region: eu-west-3'),
        },
        cluster!,
      ],
    });
    expect(resolved.config.infrastructure.region).toBe('eu-west-3');
    const region = resolved.provenance.find((entry) => entry.path === 'infrastructure.region');
    expect(region?.provenance).toMatchObject({ kind: 'default', file: 'site-defaults.yaml' });
    // Without a defaults file the schema has nothing to fall back on.
    const issues = issuesOf(() => resolveConfigSources({ defaults: [cluster!] }));
    expect(issues.map((issue) => issue.path)).toContain('infrastructure.region');
  });

  it('fills a single file from the defaults of its section', () => {
    const infrastructure = parseConfigText('infrastructure', 'roles:\n  broker:\n    count: 4\n', {
      file: 'mine.yaml',
    });
    expect(infrastructure.roles.broker).toEqual({
      ...resolveConfigSources({}).config.infrastructure.roles.broker,
      count: 4,
    });
    expect(infrastructure.roles.bookkeeper.journal).toEqual({ sizeGb: 20, iops: 3000, throughputMBps: 125 });
  });
});

describe('quorums against the number of bookies, across sections', () => {
  it('names the quorum value, the bookie count and the flag it came from', () => {
    const issues = issuesOf(() => resolveConfigSources({ set: ['infrastructure.roles.bookkeeper.count=1'] }));
    const defaults = '@lab/config/configs/cluster/default.yaml';
    expect(issues).toEqual([
      expect.objectContaining({ path: 'cluster.managedLedger.ensembleSize', file: defaults, received: '3' }),
      expect.objectContaining({ path: 'cluster.managedLedger.writeQuorum', file: defaults, received: '3' }),
      expect.objectContaining({ path: 'cluster.managedLedger.ackQuorum', file: defaults, received: '2' }),
    ]);
    for (const issue of issues) {
      expect(issue.expected).toBe('at most 1');
      expect(issue.message).toContain(
        'infrastructure.roles.bookkeeper.count = 1 (from --set infrastructure.roles.bookkeeper.count=1)',
      );
      expect(issue.message).toContain('Not enough non-faulty bookies available');
    }
    const lines = shippedDefaults()
      .find((source) => source.section === 'cluster')!
      .text.split('\n');
    expect(lines[issues[0]!.line! - 1]).toMatch(/^\s+ensembleSize: 3$/);
    expect(lines[issues[2]!.line! - 1]).toMatch(/^\s+ackQuorum: 2$/);
  });

  it('names the file and line of both sides when files disagree', () => {
    const issues = issuesOf(() =>
      resolveConfigSources({
        files: [
          {
            section: 'infrastructure',
            file: 'small.yaml',
            text: 'name: small\nroles:\n  bookkeeper:\n    count: 2\n',
          },
          {
            section: 'cluster',
            file: 'cluster.yaml',
            text: 'managedLedger:\n  ensembleSize: 3\n  writeQuorum: 3\n  ackQuorum: 2\n',
          },
        ],
      }),
    );
    expect(issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^cluster\.yaml:2:17 cluster\.managedLedger\.ensembleSize: the ensemble \(3\) is larger than the number of bookies: infrastructure\.roles\.bookkeeper\.count = 2 \(from small\.yaml:4\)/,
      ),
      expect.stringMatching(
        /^cluster\.yaml:3:16 cluster\.managedLedger\.writeQuorum: the write quorum \(3\)/,
      ),
    ]);
  });

  it('accepts quorums that fit, with one bookie too', () => {
    const resolved = resolveConfigSources({
      set: [
        'infrastructure.roles.bookkeeper.count=1',
        'cluster.managedLedger.ensembleSize=1',
        'cluster.managedLedger.writeQuorum=1',
        'cluster.managedLedger.ackQuorum=1',
      ],
    });
    expect(resolved.config.cluster.managedLedger).toEqual({ ensembleSize: 1, writeQuorum: 1, ackQuorum: 1 });
  });
});
