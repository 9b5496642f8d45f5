import { ValidationError, type ValidationIssue } from '@lab/core';
import type { CommandTarget, RunCommandOptions } from './options.js';
import { agentCommands, commandsSize, shellJoin } from './quote.js';
import { DEFAULT_MAX_SCRIPT_BYTES, SSM_MAX_INSTANCE_IDS } from './types.js';

const INSTANCE_ID = /^(i-(\w{8}|\w{17})|mi-\w{17})$/;
const RATE = /^([1-9][0-9]*|[1-9][0-9]?%|100%)$/;
const ERRORS = /^([0-9]+|[0-9][0-9]?%|100%)$/;

/** A validated runCommand: what to send, to whom, with which timeouts. */
export interface Plan {
  description: string;
  commands: string[];
  /** Instance ids in SendCommand-sized batches; undefined for tag targets. */
  batches: string[][] | undefined;
  targets: CommandTarget[] | undefined;
  executionTimeoutSeconds: number;
  deliveryTimeoutSeconds: number;
}

/** Checks every option before any call and turns them into a Plan; throws ValidationError listing every problem. */
export function planCommand(options: RunCommandOptions): Plan {
  const issues: ValidationIssue[] = [];
  const hasIds = options.instanceIds !== undefined;
  const hasTargets = options.targets !== undefined;
  if (hasIds === hasTargets) {
    issues.push({ path: 'instanceIds', message: 'give exactly one of instanceIds and targets' });
  }
  let batches: string[][] | undefined;
  if (options.instanceIds !== undefined) {
    const unique = [...new Set(options.instanceIds)];
    if (unique.length === 0)
      issues.push({ path: 'instanceIds', message: 'no instance ids', expected: 'at least one' });
    unique.forEach((id, index) => {
      if (!INSTANCE_ID.test(id)) {
        issues.push({
          path: `instanceIds.${index}`,
          message: 'not an instance id',
          expected: 'i- followed by 8 or 17 characters (or mi-…)',
          received: id,
        });
      }
    });
    batches = [];
    for (let i = 0; i < unique.length; i += SSM_MAX_INSTANCE_IDS) {
      batches.push(unique.slice(i, i + SSM_MAX_INSTANCE_IDS));
    }
  }
  if (options.targets !== undefined) {
    if (options.targets.length < 1 || options.targets.length > 5) {
      issues.push({
        path: 'targets',
        message: 'wrong number of targets',
        expected: '1 to 5',
        received: String(options.targets.length),
      });
    }
    options.targets.forEach((target, index) => {
      if (target.Key === '' || target.Values.length === 0) {
        issues.push({ path: `targets.${index}`, message: 'a target needs a Key and at least one value' });
      }
    });
  }
  if ((options.script === undefined) === (options.argv === undefined)) {
    issues.push({ path: 'script', message: 'give exactly one of script and argv' });
  }
  if (options.argv !== undefined && options.argv.length === 0) {
    issues.push({ path: 'argv', message: 'empty argument vector', expected: 'at least the program name' });
  }
  const executionTimeoutSeconds = options.executionTimeoutSeconds ?? 3600;
  checkInteger(issues, 'executionTimeoutSeconds', executionTimeoutSeconds, 1, 172_800);
  const deliveryTimeoutSeconds = options.deliveryTimeoutSeconds ?? 600;
  checkInteger(issues, 'deliveryTimeoutSeconds', deliveryTimeoutSeconds, 30, 2_592_000);
  if (options.comment !== undefined && options.comment.length > 100) {
    issues.push({
      path: 'comment',
      message: 'too long',
      expected: 'at most 100 characters',
      received: `${options.comment.length}`,
    });
  }
  if (options.maxConcurrency !== undefined && !RATE.test(String(options.maxConcurrency))) {
    issues.push({
      path: 'maxConcurrency',
      message: 'not a count or percentage',
      expected: 'e.g. 10 or 25%',
      received: String(options.maxConcurrency),
    });
  }
  if (options.maxErrors !== undefined && !ERRORS.test(String(options.maxErrors))) {
    issues.push({
      path: 'maxErrors',
      message: 'not a count or percentage',
      expected: 'e.g. 0 or 10%',
      received: String(options.maxErrors),
    });
  }
  if (
    options.workingDirectory !== undefined &&
    (options.workingDirectory === '' || options.workingDirectory.includes('\0'))
  ) {
    issues.push({ path: 'workingDirectory', message: 'must be a non-empty path without NUL bytes' });
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
    issues.push({ path: 'timeoutMs', message: 'must be positive', received: String(options.timeoutMs) });
  }
  let commands: string[] = [];
  if (issues.length === 0) {
    try {
      const script = options.script ?? shellJoin(options.argv ?? []);
      commands = agentCommands(script);
    } catch (error) {
      if (error instanceof ValidationError) issues.push(...error.issues);
      else throw error;
    }
    const limit = options.maxScriptBytes ?? DEFAULT_MAX_SCRIPT_BYTES;
    const size = commandsSize(commands);
    if (size > limit) {
      issues.push({
        path: options.script === undefined ? 'argv' : 'script',
        message: 'script too large for one SSM command',
        expected: `at most ${limit} bytes (SSM: document and parameters together at most 64 KB)`,
        received: `${size} bytes`,
      });
    }
  }
  if (issues.length > 0) throw new ValidationError('Invalid runCommand options', issues);
  const description =
    options.description ??
    (options.argv !== undefined
      ? shortText(shellJoin(options.argv))
      : shortText(firstLine(options.script ?? '')));
  return {
    description,
    commands,
    batches,
    targets: options.targets?.map((target) => ({ Key: target.Key, Values: [...target.Values] })),
    executionTimeoutSeconds,
    deliveryTimeoutSeconds,
  };
}

/** The caller's deadline, or, without one, as long as SSM itself could take plus a minute. */
export function resolveDeadline(start: number, options: RunCommandOptions, plan: Plan): number {
  const candidates = [
    options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : start + options.timeoutMs,
    options.deadline ?? Number.POSITIVE_INFINITY,
  ];
  const explicit = Math.min(...candidates);
  if (Number.isFinite(explicit)) return explicit;
  // Without a caller deadline: as long as SSM itself could take, plus a minute.
  return start + (plan.deliveryTimeoutSeconds + plan.executionTimeoutSeconds + 60) * 1000;
}

function checkInteger(
  issues: ValidationIssue[],
  path: string,
  value: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    issues.push({
      path,
      message: 'out of range',
      expected: `an integer from ${min} to ${max}`,
      received: String(value),
    });
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '' && !line.startsWith('#') && !line.startsWith('set -')) ?? 'script'
  );
}

function shortText(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
