import { chmod, copyFile, cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { withContext } from '@lab/core';
import { type ProcessRunner, runProcess } from '@lab/core/process';
import { CLUSTER_DOCUMENT_PATH, type ClusterDocument } from '@lab/infra';
import type { LocalImage } from './image.js';
import type { LocalClusterLayout, LocalHost } from './layout.js';
import { NODE_SUPERVISOR_PATH, SUPERVISOR_PATH } from './shell.js';

export interface HostRootsOptions {
  layout: LocalClusterLayout;
  image: LocalImage;
  /** Every node's cluster document, as `clusterDocuments` of `@lab/infra` builds them. */
  documents: readonly ClusterDocument[];
  /** The lab's `packer/` directory (install-lab.sh, files/lab, files/systemd). */
  packerDir: string;
  runner?: ProcessRunner;
  signal?: AbortSignal | undefined;
}

/**
 * Gives every node a file system as an instance launched from the AMI has one: `/opt/pulsar`
 * (its own `conf/` and `bin/`, the rest of the distribution shared with the image), `/opt/omb`,
 * `/opt/lab` and the systemd units installed by install-lab.sh, and `/etc/lab/cluster.json` —
 * what user-data writes on EC2.
 */
export async function createHostRoots(options: HostRootsOptions): Promise<void> {
  const byNode = new Map(
    options.documents.map((document) => [`${document.role}-${document.index + 1}`, document]),
  );
  const distribution = await readdir(options.image.pulsarHome);
  await Promise.all(
    options.layout.hosts.map(async (host) => {
      const document = byNode.get(host.name);
      if (document === undefined || document.private_ip !== host.address) {
        throw new Error(`No cluster document for ${host.name} at ${host.address}`);
      }
      try {
        await populate(host, options, distribution);
        await writeFile(rooted(host, CLUSTER_DOCUMENT_PATH), `${JSON.stringify(document, null, 2)}\n`);
      } catch (error) {
        throw withContext(error, `Preparing the local node ${host.name} in ${host.root}`);
      }
    }),
  );
}

async function populate(host: LocalHost, options: HostRootsOptions, distribution: readonly string[]) {
  const pulsarDir = join(host.root, 'opt', basename(options.image.pulsarHome));
  await mkdir(pulsarDir, { recursive: true });
  await mkdir(rooted(host, '/etc/lab'), { recursive: true });
  // conf/ is edited by the bootstrap and bin/pulsar finds PULSAR_HOME from its own place: both are
  // the node's own; lib/ and the rest are read-only and shared.
  for (const entry of distribution) {
    const source = join(options.image.pulsarHome, entry);
    if (entry === 'conf' || entry === 'bin') await cp(source, join(pulsarDir, entry), { recursive: true });
    else await symlink(source, join(pulsarDir, entry));
  }
  await symlink(basename(options.image.pulsarHome), join(host.root, 'opt', 'pulsar'));
  // The node's own systemctl stand-in: a package manager may not keep the shipped file executable.
  await mkdir(dirname(rooted(host, NODE_SUPERVISOR_PATH)), { recursive: true });
  await copyFile(SUPERVISOR_PATH, rooted(host, NODE_SUPERVISOR_PATH));
  await chmod(rooted(host, NODE_SUPERVISOR_PATH), 0o755);
  await symlink(options.image.ombHome, join(host.root, 'opt', 'omb'));
  const result = await (options.runner ?? runProcess)({
    command: 'bash',
    args: [join(options.packerDir, 'scripts', 'install-lab.sh')],
    env: {
      LAB_ROOT: host.root,
      LAB_FILES: join(options.packerDir, 'files', 'lab'),
      LAB_SYSTEMD_FILES: join(options.packerDir, 'files', 'systemd'),
    },
    signal: options.signal,
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `install-lab.sh failed (exit ${result.exitCode ?? result.signal}): ${result.stderr.trim()}`,
    );
  }
}

/** An absolute path of a node, on this machine. */
export function rooted(host: Pick<LocalHost, 'root'>, path: string): string {
  return join(host.root, path);
}
