// Extracts the amazon-ebs source's configuration spec from a git checkout of
// hashicorp/packer-plugin-amazon at the given tags and writes
// data/packer-amazon-ebs-<version>.schema.json, which the Packer schema check reads.
//
//   git clone https://github.com/hashicorp/packer-plugin-amazon /tmp/packer-plugin-amazon
//   pnpm --filter @lab/infra-tests schema:packer /tmp/packer-plugin-amazon v1.3.0 v1.8.2
//
// It reads builder/ebs/*.hcl2spec.go and builder/common/*.hcl2spec.go at each tag with
// `git show`; the work tree is not touched.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseHcl2Spec } from '../src/packer-spec.js';
import type { PackerSpecFile } from '../src/schema.js';

const run = promisify(execFile);
const DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));

async function main(): Promise<void> {
  const [checkout, ...tags] = process.argv.slice(2);
  if (checkout === undefined || tags.length === 0) {
    console.error('usage: extract-packer-spec.ts <packer-plugin-amazon checkout> <tag>...');
    process.exit(2);
  }
  for (const tag of tags) {
    const { stdout: list } = await run('git', [
      '-C',
      checkout,
      'ls-tree',
      '--name-only',
      tag,
      'builder/ebs/',
      'builder/common/',
    ]);
    const paths = list.split('\n').filter((path) => path.endsWith('.hcl2spec.go'));
    const sources = await Promise.all(
      paths.map(
        async (path) =>
          (await run('git', ['-C', checkout, 'show', `${tag}:${path}`], { maxBuffer: 8 << 20 })).stdout,
      ),
    );
    const { stdout: commit } = await run('git', ['-C', checkout, 'rev-parse', `${tag}^{commit}`]);
    const version = tag.replace(/^v/, '');
    const spec: PackerSpecFile = {
      plugin: 'github.com/hashicorp/amazon',
      version,
      source: `hashicorp/packer-plugin-amazon ${tag} (${commit.trim()}): ${paths.join(', ')}, generated HCL2 spec of FlatConfig, read by packages/infra-tests/scripts/extract-packer-spec.ts`,
      builder: 'amazon-ebs',
      body: parseHcl2Spec(sources),
    };
    const file = join(DATA_DIR, `packer-amazon-ebs-${version}.schema.json`);
    await writeFile(file, `${JSON.stringify(spec, null, 1)}\n`);
    console.log(
      `${file}: ${Object.keys(spec.body.attributes).length} arguments, ${Object.keys(spec.body.blocks).length} blocks`,
    );
  }
}

await main();
