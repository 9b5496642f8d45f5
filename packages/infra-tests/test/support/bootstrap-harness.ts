import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterDocument } from '@lab/infra';
import { BOOTSTRAP, PULSAR_CONF_FIXTURES } from './paths.js';

/** One recorded call of a stubbed system command. */
export interface StubCall {
  cmd: string;
  args: string[];
  root: string;
}

// One script serves every stub; it tells the commands apart by the name it runs under.
const STUB = join(dirname(fileURLToPath(import.meta.url)), 'stub.sh');

export const STUBBED_COMMANDS = [
  'systemctl',
  'mount',
  'mountpoint',
  'mkfs.xfs',
  'blkid',
  'chown',
  'logger',
  'nc',
  'ip',
] as const;

export interface Sandbox {
  /** Directory shared by every root of this sandbox: stubs, call log, stub state. */
  dir: string;
  stubs: string;
  state: string;
  callLog: string;
}

export async function createSandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'lab-bootstrap-'));
  const stubs = join(dir, 'stubs');
  const state = join(dir, 'state');
  await mkdir(stubs, { recursive: true });
  await mkdir(state, { recursive: true });
  // Copies, not links: the stub tells the commands apart by the name it was started as.
  for (const name of [...STUBBED_COMMANDS, 'pulsar']) {
    await cp(STUB, join(stubs, name));
    await chmod(join(stubs, name), 0o755);
  }
  const callLog = join(dir, 'calls.jsonl');
  await writeFile(callLog, '');
  return { dir, stubs, state, callLog };
}

export interface RootOptions {
  /** Leave out the cluster document (or write this raw text instead of the JSON). */
  documentText?: string | null;
  /** Create the NVMe by-id links for the document's volumes (default true). */
  attachVolumes?: boolean;
}

/** A fake instance file system: Pulsar's conf files, the pulsar CLI stub, the document, the disks. */
export async function createRoot(
  sandbox: Sandbox,
  name: string,
  document: ClusterDocument,
  options: RootOptions = {},
) {
  const root = join(sandbox.dir, name);
  await mkdir(join(root, 'opt', 'pulsar', 'conf'), { recursive: true });
  await cp(PULSAR_CONF_FIXTURES, join(root, 'opt', 'pulsar', 'conf'), { recursive: true });
  await mkdir(join(root, 'opt', 'pulsar', 'bin'), { recursive: true });
  await cp(join(sandbox.stubs, 'pulsar'), join(root, 'opt', 'pulsar', 'bin', 'pulsar'));
  await mkdir(join(root, 'etc', 'lab'), { recursive: true });
  await writeFile(join(root, 'etc', 'fstab'), '# fstab\n');
  if (options.documentText !== null) {
    await writeFile(
      join(root, 'etc', 'lab', 'cluster.json'),
      options.documentText ?? JSON.stringify(document),
    );
  }
  if (document.volumes !== null && options.attachVolumes !== false) {
    for (const volume of [document.volumes.journal, document.volumes.ledgers]) {
      const link = join(
        root,
        'dev',
        'disk',
        'by-id',
        `nvme-Amazon_Elastic_Block_Store_${volume.volume_id.replace('-', '')}`,
      );
      await mkdir(dirname(link), { recursive: true });
      await writeFile(link, '');
    }
  }
  return root;
}

export interface BootstrapResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export function runBootstrap(
  sandbox: Sandbox,
  root: string,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<BootstrapResult> {
  const started = Date.now();
  const stubEnv = Object.fromEntries(
    STUBBED_COMMANDS.map((name) => [
      `LAB_${name.replace('.xfs', '').toUpperCase()}`,
      join(sandbox.stubs, name),
    ]),
  );
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BOOTSTRAP], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LAB_ROOT: root,
        LAB_RUN_AS: '',
        LAB_WAIT_TIMEOUT_SECONDS: '10',
        LAB_POLL_INTERVAL_SECONDS: '0.05',
        STUB_LOG: sandbox.callLog,
        STUB_STATE: sandbox.state,
        STUB_ZK_MODE: 'follower',
        ...stubEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

export async function readCalls(sandbox: Sandbox, root?: string): Promise<StubCall[]> {
  const text = await readFile(sandbox.callLog, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as StubCall)
    .filter((call) => root === undefined || call.root === root);
}

/** Parses a Java properties file into a map, failing on duplicate keys (the bootstrap must leave one). */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    if (properties.has(key)) throw new Error(`duplicate key ${key}`);
    properties.set(key, line.slice(at + 1));
  }
  return properties;
}
