import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { realSleep, type Sleep } from '@lab/core';

/** A process of a local experiment: it carries `LAB_EXPERIMENT_ID` in its environment. */
export interface ExperimentProcess {
  pid: number;
  /** The node it belongs to (`LAB_HOST`), when it says. */
  host: string | undefined;
  /** Its command line, shortened. */
  command: string;
}

export interface ProcOptions {
  /** Default `/proc`. */
  procDir?: string;
}

/**
 * Every process whose environment says it belongs to `experimentId` — services, bootstraps, OMB
 * runs, also those whose PID no file recorded (this process was killed mid-way). Only processes
 * of this user can be read, which is every process the local target starts.
 */
export async function experimentProcesses(
  experimentId: string,
  options: ProcOptions = {},
): Promise<ExperimentProcess[]> {
  const proc = options.procDir ?? '/proc';
  const found: ExperimentProcess[] = [];
  const marker = `LAB_EXPERIMENT_ID=${experimentId}`;
  for (const entry of await readdir(proc)) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environment: string;
    try {
      environment = await readFile(join(proc, entry, 'environ'), 'latin1');
    } catch {
      // Gone meanwhile, or another user's: not ours.
      continue;
    }
    const variables = environment.split('\0');
    if (!variables.includes(marker)) continue;
    const host = variables.find((variable) => variable.startsWith('LAB_HOST='))?.slice('LAB_HOST='.length);
    const command = await readFile(join(proc, entry, 'cmdline'), 'latin1').then(
      (text) => text.split('\0').join(' ').trim().slice(0, 160),
      () => '',
    );
    // A zombie has an empty command line: it is gone, its parent just has not reaped it.
    if (command === '') continue;
    found.push({ pid: Number(entry), host, command });
  }
  return found;
}

/** A listening TCP socket (IPv4 or IPv6) and, when it is ours to see, the process holding it. */
export interface ListeningSocket {
  address: string;
  port: number;
  inode: number;
}

/** The TCP sockets in LISTEN state, from /proc/net/tcp and tcp6. */
export async function listeningSockets(options: ProcOptions = {}): Promise<ListeningSocket[]> {
  const proc = options.procDir ?? '/proc';
  const sockets: ListeningSocket[] = [];
  for (const [file, v6] of [
    ['tcp', false],
    ['tcp6', true],
  ] as const) {
    let text: string;
    try {
      text = await readFile(join(proc, 'net', file), 'utf8');
    } catch {
      // No IPv6 on this machine.
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const [addressHex = '', portHex = '0'] = (fields[1] ?? '').split(':');
      sockets.push({
        address: v6 ? ipv6(addressHex) : ipv4(addressHex),
        port: Number.parseInt(portHex, 16),
        inode: Number(fields[9]),
      });
    }
  }
  return sockets;
}

/** The socket that serves `listener` (address:port, `0.0.0.0` meaning any address), if any. */
export function socketFor(
  listener: { address: string; port: number },
  sockets: readonly ListeningSocket[],
): ListeningSocket | undefined {
  return sockets.find(
    (socket) =>
      socket.port === listener.port &&
      (listener.address === '0.0.0.0' ||
        socket.address === listener.address ||
        socket.address === '0.0.0.0' ||
        socket.address === '::' ||
        socket.address === `::ffff:${listener.address}`),
  );
}

/** The PID that holds a socket inode, among the processes this user can see. */
export async function socketHolder(
  inode: number,
  options: ProcOptions = {},
): Promise<ExperimentProcess | undefined> {
  const proc = options.procDir ?? '/proc';
  const target = `socket:[${inode}]`;
  for (const entry of await readdir(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    let descriptors: string[];
    try {
      descriptors = await readdir(join(proc, entry, 'fd'));
    } catch {
      continue;
    }
    for (const descriptor of descriptors) {
      const link = await readlink(join(proc, entry, 'fd', descriptor)).catch(() => '');
      if (link !== target) continue;
      const environment = await readFile(join(proc, entry, 'environ'), 'latin1').catch(() => '');
      const host = environment
        .split('\0')
        .find((variable) => variable.startsWith('LAB_HOST='))
        ?.slice('LAB_HOST='.length);
      const command = await readFile(join(proc, entry, 'cmdline'), 'latin1').then(
        (text) => text.split('\0').join(' ').trim().slice(0, 160),
        () => '',
      );
      return { pid: Number(entry), host, command };
    }
  }
  return undefined;
}

/**
 * Sends SIGTERM to each process group (each service runs in a session of its own), waits up to
 * `graceMs` for them to go, then SIGKILLs what is left. Returns the PIDs that needed SIGKILL.
 */
export async function terminate(
  pids: readonly number[],
  options: { graceMs: number; sleep?: Sleep; alive?: (pid: number) => boolean },
): Promise<number[]> {
  const alive = options.alive ?? isAlive;
  const sleep = options.sleep ?? realSleep;
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // Not a group leader (or already gone): the process itself.
      try {
        process.kill(pid, name);
      } catch {
        // Gone.
      }
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + options.graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(200);
  const stubborn = pids.filter(alive);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  return stubborn;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ipv4(hex: string): string {
  const value = Number.parseInt(hex, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff].join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words.
  const words = (hex.match(/.{8}/g) ?? []).map((word) => word.match(/../g)!.reverse().join(''));
  const groups = words.join('').match(/.{4}/g) ?? [];
  const text = groups.map((group) => group.replace(/^0+(?=.)/, '')).join(':');
  if (/^0:0:0:0:0:ffff:/.test(text)) {
    const tail = words[3] ?? '00000000';
    return `::ffff:${[0, 2, 4, 6].map((at) => Number.parseInt(tail.slice(at, at + 2), 16)).join('.')}`;
  }
  return text === '0:0:0:0:0:0:0:0' ? '::' : text;
}
