import { LabError } from '@lab/core';
import { type ProcessRunner, runProcess } from '@lab/core/process';
import type { LocalClusterLayout } from './layout.js';
import { listeningSockets, type ProcOptions, socketFor, socketHolder } from './processes.js';

/** A program the local target needs, and how to get it. */
interface Requirement {
  command: string;
  why: string;
  install: string;
}

const ALWAYS: readonly Requirement[] = [
  {
    command: 'java',
    why: 'runs Pulsar and OMB (Java 17 or newer)',
    install: 'apt-get install openjdk-17-jre-headless',
  },
  {
    command: 'jq',
    why: 'lab-bootstrap and lab-health-probe read the cluster document',
    install: 'apt-get install jq',
  },
  { command: 'curl', why: 'lab-health-probe checks HTTP endpoints', install: 'apt-get install curl' },
  {
    command: 'ip',
    why: 'lab-bootstrap finds the interface of a node address',
    install: 'apt-get install iproute2',
  },
  { command: 'ss', why: 'lab-health-probe names what holds a port', install: 'apt-get install iproute2' },
  {
    command: 'setsid',
    why: 'lab-systemctl starts each service in a session of its own',
    install: 'apt-get install util-linux',
  },
  {
    command: 'sha512sum',
    why: 'install-pulsar.sh checks the distribution',
    install: 'apt-get install coreutils',
  },
];
const TO_BUILD_OMB: readonly Requirement[] = [
  {
    command: 'javac',
    why: 'builds OpenMessaging Benchmark (a JDK 17 or newer)',
    install: 'apt-get install openjdk-17-jdk-headless',
  },
  {
    command: 'git',
    why: 'fetches OpenMessaging Benchmark (or reads its git archive)',
    install: 'apt-get install git',
  },
];

/**
 * Checks, before anything is created, that this machine has what a local cluster needs: the
 * programs (the JDK and git only when OMB still has to be built) and Java 17 or newer. Every
 * missing piece is named with why and how to install it.
 */
export async function checkLocalPrerequisites(options: {
  buildOmb: boolean;
  runner?: ProcessRunner;
}): Promise<{ javaVersion: number }> {
  const runner = options.runner ?? runProcess;
  const wanted = [...ALWAYS, ...(options.buildOmb ? TO_BUILD_OMB : [])];
  const found = await runner({
    command: 'bash',
    args: [
      '-c',
      'for c in "$@"; do command -v "$c" >/dev/null || echo "$c"; done',
      'lab',
      ...wanted.map((r) => r.command),
    ],
  });
  const missing = new Set(found.stdout.split('\n').filter((line) => line !== ''));
  const problems = wanted.filter((requirement) => missing.has(requirement.command));
  let javaVersion = 0;
  if (!missing.has('java')) {
    const version = await runner({ command: 'java', args: ['-version'] });
    javaVersion = Number(/version "(?:1\.)?(\d+)/.exec(version.stderr)?.[1] ?? 0);
  }
  const lines = problems.map((p) => `${p.command}: ${p.why} (e.g. ${p.install})`);
  if (!missing.has('java') && javaVersion < 17) {
    lines.push(
      `java ${javaVersion === 0 ? '(version unknown)' : javaVersion}: Pulsar 3.x/4.x needs Java 17 or newer`,
    );
  }
  if (lines.length > 0) {
    throw new LabError(
      'LOCAL_PREREQUISITES',
      `This machine cannot run a local cluster yet:\n  ${lines.join('\n  ')}`,
      {
        hint: 'Install what is listed, or run on AWS (the default target)',
        details: { missing: [...missing], javaVersion },
      },
    );
  }
  return { javaVersion };
}

/**
 * Checks that no address and port of the cluster is taken — by another local experiment or
 * anything else — naming the process that holds one when it can be seen.
 */
export async function checkListenersFree(
  layout: Pick<LocalClusterLayout, 'listeners'>,
  options: ProcOptions = {},
): Promise<void> {
  const sockets = await listeningSockets(options);
  const taken: string[] = [];
  for (const listener of layout.listeners) {
    const socket = socketFor(listener, sockets);
    if (socket === undefined) continue;
    const holder = await socketHolder(socket.inode, options);
    taken.push(
      `${listener.address}:${listener.port} (${listener.service} of ${listener.host}) is taken by ${
        holder === undefined
          ? 'a process this user cannot see'
          : `pid ${holder.pid} (${holder.command.slice(0, 80)})`
      }`,
    );
  }
  if (taken.length > 0) {
    throw new LabError(
      'LOCAL_PORT_IN_USE',
      `Ports of this local cluster are in use:\n  ${taken.join('\n  ')}`,
      {
        hint: 'Another local experiment may be running (lab-orchestrate list); tear it down, or choose another experiment id',
        details: { taken },
      },
    );
  }
}
