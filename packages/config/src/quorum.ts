import type { ValidationIssue } from '@lab/core';
import { describeLocation, locationOf, type Origins } from './layers.js';
import { formatPath } from './paths.js';
import type { LabConfig } from './sections.js';

const QUORUMS = [
  ['ensembleSize', 'ensemble'],
  ['writeQuorum', 'write quorum'],
  ['ackQuorum', 'ack quorum'],
] as const;

/**
 * The managed-ledger quorums against the number of bookies, across the two sections: the
 * brokers and the OMB driver file (its `persistence`) use these values, and Pulsar refuses to
 * create a topic whose ensemble is larger than the bookies ("Not enough non-faulty bookies
 * available"). Each issue points at the quorum value and says where the bookie count came from.
 */
export function quorumIssues(config: LabConfig, origins: Origins): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const bookies = config.infrastructure.roles.bookkeeper.count;
  const countPath = ['infrastructure', 'roles', 'bookkeeper', 'count'];
  const countFrom = describeLocation(locationOf(origins, countPath, 'value'));
  for (const [field, name] of QUORUMS) {
    const value = config.cluster.managedLedger[field];
    if (value <= bookies) continue;
    const path = ['cluster', 'managedLedger', field];
    issues.push({
      path: formatPath(path),
      ...locationOf(origins, path, 'value'),
      message:
        `the ${name} (${value}) is larger than the number of bookies: ${formatPath(countPath)} = ${bookies}` +
        `${countFrom === undefined ? '' : ` (from ${countFrom})`}; Pulsar would refuse to create topics ` +
        `("Not enough non-faulty bookies available"). Lower cluster.managedLedger or add bookies`,
      expected: `at most ${bookies}`,
      received: String(value),
    });
  }
  return issues;
}
