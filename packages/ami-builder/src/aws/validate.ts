import {
  DescribeInstancesCommand,
  type EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import { DescribeInstanceInformationCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { isTransientAwsError, pollUntil, retry } from '@lab/backoff';
import {
  AbortedError,
  awsErrorCode,
  type Clock,
  createEmitter,
  type EventSink,
  errorMessage,
  LabError,
  labTags,
  realSleep,
  type Sleep,
  systemClock,
  type TagMap,
  toAwsTags,
  withContext,
} from '@lab/core';
import { buildCheckScript, expectedCheckNames, type ImageCheck, parseCheckOutput } from '../checks.js';
import type { AmiImage } from '../images.js';
import { ensureBuildInstanceProfile } from './build-profile.js';
import { getLabImage } from './delete.js';
import { discoverDefaultSubnet } from './discover.js';

/**
 * The options `validateAmi` passes to a command runner. A structural subset of
 * `@lab/ssm-runner`'s `runCommand` options, so that function can be passed as it is.
 */
export interface RunCommandOptions {
  ssm: SSMClient;
  instanceIds: string[];
  script: string;
  executionTimeoutSeconds?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  events?: EventSink;
}

/** What `validateAmi` reads of one instance's result (a subset of `@lab/ssm-runner`'s). */
export interface RunCommandInstanceResult {
  instanceId: string;
  ok: boolean;
  status: string;
  statusDetails?: string | undefined;
  responseCode?: number | undefined;
  stdout: string;
  stderr: string;
  stdoutTruncated?: boolean | undefined;
}

/** Runs a shell script on instances through SSM Run Command (`@lab/ssm-runner`'s `runCommand`). */
export type RunCommand = (
  options: RunCommandOptions,
) => Promise<{ commandIds: string[]; results: RunCommandInstanceResult[] }>;

export interface ValidateOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  /** Needed only for the dedicated build profile when `instanceProfile` is not given. */
  iam?: IAMClient | undefined;
  runCommand: RunCommand;
  imageId: string;
  /** Default: a default subnet of the default VPC. */
  subnetId?: string | undefined;
  /** Default: the dedicated `pulsar-aws-lab-ami-build` profile (see ensureBuildInstanceProfile). */
  instanceProfile?: string | undefined;
  /** Default t3.medium. */
  instanceType?: string | undefined;
  /** ExperimentID of the temporary instance. Default `ami-validate-<YYYYMMDD-HHMMSS>`. */
  validationId?: string | undefined;
  userTags?: TagMap | undefined;
  /** Launch to SSM online. Default 10 min. */
  readyTimeoutMs?: number | undefined;
  /** The checks over SSM. Default 5 min. */
  checkTimeoutMs?: number | undefined;
  /** Waiting for termination. Default 10 min. */
  terminateTimeoutMs?: number | undefined;
  /** Aborting stops the wait or the checks; the instance is still terminated and waited for. */
  signal?: AbortSignal | undefined;
  events?: EventSink | undefined;
  clock?: Clock | undefined;
  sleep?: Sleep | undefined;
}

export interface ValidateResult {
  imageId: string;
  image: AmiImage;
  instanceId: string;
  validationId: string;
  checks: ImageCheck[];
  /** Every check passed. */
  ok: boolean;
}

/** Readiness is noticed within seconds: 2 s ×1.5 capped at 10 s. */
const READY_SCHEDULE = { initialDelayMs: 2000, factor: 1.5, maxDelayMs: 10_000 };

/**
 * Launches a temporary instance from a lab AMI, waits until it is running and its SSM agent is
 * online, runs the image checks over SSM (Pulsar version equals the PulsarVersion tag, Java, OMB
 * at the OmbCommit tag, units installed and disabled, lab scripts executable), and ALWAYS
 * terminates the instance and waits for it — on success, failure and abort.
 */
export async function validateAmi(options: ValidateOptions): Promise<ValidateResult> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const events = createEmitter({ source: '@lab/ami-builder', sink: options.events, clock });
  const { ec2 } = options;
  const signal = options.signal;

  const image = await getLabImage(ec2, options.imageId, signal);
  if (image.pulsarVersion === undefined || image.ombCommit === undefined) {
    throw new LabError(
      'AMI_NOT_VALIDATABLE',
      `${image.imageId} has no PulsarVersion or OmbCommit tag to check against`,
      {
        hint: 'Only images built by lab-ami (pulsar-base.pkr.hcl) carry these tags.',
        details: { tags: image.tags },
      },
    );
  }
  if (image.state !== 'available') {
    throw new LabError('AMI_NOT_AVAILABLE', `${image.imageId} is ${image.state}, not available`);
  }
  const subnetId = options.subnetId ?? (await discoverDefaultSubnet(ec2));
  let instanceProfile = options.instanceProfile;
  if (instanceProfile === undefined) {
    if (options.iam === undefined) {
      throw new LabError(
        'NO_INSTANCE_PROFILE',
        'No instance profile given and no IAM client to create the build profile',
        {
          hint: 'Pass --instance-profile (its role needs the SSM agent permissions).',
        },
      );
    }
    instanceProfile = (await ensureBuildInstanceProfile({ iam: options.iam, events: options.events, clock }))
      .instanceProfile;
  }
  const validationId = options.validationId ?? `ami-validate-${stamp(clock.now())}`;
  const tags = {
    ...labTags({ experimentId: validationId, managedBy: 'lab-ami', userTags: options.userTags ?? {} }),
    Name: `ami-validate-${image.imageId}`,
  };
  signal?.throwIfAborted();

  events.emit(
    'validate.launching',
    `Launching a ${options.instanceType ?? 't3.medium'} from ${image.imageId}`,
    {
      imageId: image.imageId,
      subnetId,
      instanceProfile,
      validationId,
    },
  );
  // A profile created a moment ago is not yet known to EC2 (InvalidParameterValue naming
  // iamInstanceProfile) for some seconds; Packer retries the same way.
  const launched = await retry(
    () =>
      ec2.send(
        new RunInstancesCommand({
          ImageId: image.imageId,
          InstanceType: (options.instanceType ?? 't3.medium') as never,
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnetId,
          IamInstanceProfile: { Name: instanceProfile },
          MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
          InstanceInitiatedShutdownBehavior: 'terminate',
          TagSpecifications: [
            { ResourceType: 'instance', Tags: toAwsTags(tags) },
            { ResourceType: 'volume', Tags: toAwsTags(tags) },
          ],
        }),
      ),
    { shouldRetry: (error) => isTransientAwsError(error) || isProfileNotYetKnown(error), sleep, clock },
  ).catch((error: unknown) => {
    throw withContext(error, `Launching a validation instance from ${image.imageId}`);
  });
  const instanceId = launched.Instances?.[0]?.InstanceId;
  if (instanceId === undefined) {
    throw new LabError('LAUNCH_FAILED', `RunInstances returned no instance for ${image.imageId}`);
  }
  events.emit('validate.launched', `Launched ${instanceId} (ExperimentID=${validationId})`, {
    instanceId,
    validationId,
  });

  let outcome: { checks: ImageCheck[] } | undefined;
  let failure: unknown;
  try {
    const readyDeadline = clock.now() + (options.readyTimeoutMs ?? 10 * 60_000);
    await waitForInstanceRunning({ ec2, instanceId, deadline: readyDeadline, signal, clock, sleep, events });
    await waitForSsmOnline({
      ssm: options.ssm,
      instanceId,
      deadline: readyDeadline,
      signal,
      clock,
      sleep,
      events,
    });
    events.emit('validate.checking', `Running the image checks on ${instanceId}`, { instanceId });
    const checkTimeoutMs = options.checkTimeoutMs ?? 5 * 60_000;
    const run = await options.runCommand({
      ssm: options.ssm,
      instanceIds: [instanceId],
      script: buildCheckScript({
        pulsarVersion: image.pulsarVersion,
        ombCommit: image.ombCommit,
        javaVersion: image.javaVersion,
      }),
      executionTimeoutSeconds: Math.ceil(checkTimeoutMs / 1000),
      timeoutMs: checkTimeoutMs,
      ...(signal === undefined ? {} : { signal }),
      ...(options.events === undefined ? {} : { events: options.events }),
    });
    signal?.throwIfAborted();
    const result = run.results.find((candidate) => candidate.instanceId === instanceId);
    if (result === undefined) {
      throw new LabError('CHECKS_NO_RESULT', `The check command returned no result for ${instanceId}`);
    }
    if (!result.ok) {
      throw new LabError(
        'CHECKS_FAILED_TO_RUN',
        `The check script did not run on ${instanceId}: ${result.status}${result.statusDetails ? ` (${result.statusDetails})` : ''}`,
        { details: { stderr: result.stderr, responseCode: result.responseCode } },
      );
    }
    outcome = { checks: parseCheckOutput(result.stdout, expectedCheckNames()) };
  } catch (error) {
    failure = error;
  } finally {
    // Always, whatever happened above; with its own deadline, never the caller's aborted signal.
    const terminated = await terminateAndWait({
      ec2,
      instanceId,
      timeoutMs: options.terminateTimeoutMs ?? 10 * 60_000,
      clock,
      sleep,
      events,
    });
    if (terminated !== undefined) {
      const leak = new LabError(
        'INCOMPLETE',
        `Validation instance ${instanceId} could not be confirmed terminated: ${errorMessage(terminated)}`,
        {
          hint: `Run lab-cleanup for ExperimentID=${validationId}, or terminate ${instanceId} in the console.`,
          cause: failure ?? terminated,
          details: { instanceId, validationId },
        },
      );
      // The leaked instance is what the user must act on; the original failure stays as cause.
      failure = leak;
    }
  }
  if (failure !== undefined) {
    const aborted =
      failure instanceof AbortedError ||
      (failure instanceof LabError && failure.code === 'ABORTED') ||
      awsErrorCode(failure) === 'AbortError';
    if (aborted) {
      throw new AbortedError(`Validation interrupted; instance ${instanceId} terminated`, { cause: failure });
    }
    throw failure instanceof LabError ? failure : withContext(failure, `Validating ${image.imageId}`);
  }
  const checks = outcome!.checks;
  const ok = checks.every((check) => check.ok);
  events.emit(
    ok ? 'validate.passed' : 'validate.failed',
    ok
      ? `${image.imageId} passed all ${checks.length} checks`
      : `${image.imageId} failed ${checks.filter((check) => !check.ok).length} of ${checks.length} checks`,
    { imageId: image.imageId, checks },
    ok ? 'info' : 'error',
  );
  return { imageId: image.imageId, image, instanceId, validationId, checks, ok };
}

interface WaitOptions {
  instanceId: string;
  deadline: number;
  signal?: AbortSignal | undefined;
  clock: Clock;
  sleep: Sleep;
  events: ReturnType<typeof createEmitter>;
}

async function instanceState(ec2: EC2Client, instanceId: string, signal?: AbortSignal): Promise<string> {
  const answer = await ec2.send(
    new DescribeInstancesCommand({ InstanceIds: [instanceId] }),
    signal === undefined ? {} : { abortSignal: signal },
  );
  return answer.Reservations?.[0]?.Instances?.[0]?.State?.Name ?? 'unknown';
}

const notFoundYet = (error: unknown): boolean =>
  isTransientAwsError(error) || awsErrorCode(error) === 'InvalidInstanceID.NotFound';

/** Waits for `running`; fails at once when the instance stops or terminates instead. */
export async function waitForInstanceRunning(options: WaitOptions & { ec2: EC2Client }): Promise<void> {
  const state = await pollUntil(() => instanceState(options.ec2, options.instanceId, options.signal), {
    ...READY_SCHEDULE,
    until: (value) => value !== 'pending' && value !== 'unknown',
    deadline: options.deadline,
    isTransientError: notFoundYet,
    description: `${options.instanceId} running`,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    clock: options.clock,
    sleep: options.sleep,
    onAttempt: (info) =>
      options.events.emit(
        'validate.wait.running',
        `Waiting for ${options.instanceId} to run (${info.value ?? 'not visible yet'})`,
        { attempt: info.attempt },
        'debug',
      ),
  });
  if (state !== 'running') {
    throw new LabError('INSTANCE_NOT_RUNNING', `${options.instanceId} is ${state} instead of running`, {
      hint: 'Check the instance state reason in the EC2 console (capacity, a broken AMI, the instance profile).',
    });
  }
  options.events.emit('validate.running', `${options.instanceId} is running`, {
    instanceId: options.instanceId,
  });
}

/** Waits until DescribeInstanceInformation reports the instance's SSM agent Online. */
export async function waitForSsmOnline(options: WaitOptions & { ssm: SSMClient }): Promise<void> {
  await pollUntil(
    async () => {
      const answer = await options.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: 'InstanceIds', Values: [options.instanceId] }],
        }),
        options.signal === undefined ? {} : { abortSignal: options.signal },
      );
      return answer.InstanceInformationList?.[0]?.PingStatus ?? 'NotRegistered';
    },
    {
      ...READY_SCHEDULE,
      until: (status) => status === 'Online',
      deadline: options.deadline,
      isTransientError: isTransientAwsError,
      description: `the SSM agent of ${options.instanceId} online`,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      clock: options.clock,
      sleep: options.sleep,
      onAttempt: (info) =>
        options.events.emit(
          'validate.wait.ssm',
          `Waiting for the SSM agent of ${options.instanceId} (${info.value ?? 'no answer'})`,
          { attempt: info.attempt },
          'debug',
        ),
    },
  ).catch((error: unknown) => {
    if (error instanceof AbortedError) throw error;
    throw withContext(error, `Waiting for SSM on ${options.instanceId}`, {
      hint: 'The instance needs a route to the SSM endpoints (public IP or VPC endpoints) and an instance profile whose role has the SSM agent permissions.',
    });
  });
  options.events.emit('validate.ssm.online', `SSM agent of ${options.instanceId} is online`, {
    instanceId: options.instanceId,
  });
}

/** Terminates and waits for `terminated`; returns the error instead of throwing it. */
async function terminateAndWait(options: {
  ec2: EC2Client;
  instanceId: string;
  timeoutMs: number;
  clock: Clock;
  sleep: Sleep;
  events: ReturnType<typeof createEmitter>;
}): Promise<unknown> {
  const { ec2, instanceId, events } = options;
  const deadline = options.clock.now() + options.timeoutMs;
  try {
    events.emit('validate.terminating', `Terminating ${instanceId}`, { instanceId });
    await retry(() => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] })), {
      deadline,
      clock: options.clock,
      sleep: options.sleep,
    });
    await pollUntil(() => instanceState(ec2, instanceId), {
      ...READY_SCHEDULE,
      until: (state) => state === 'terminated',
      deadline,
      isTransientError: isTransientAwsError,
      description: `${instanceId} terminated`,
      clock: options.clock,
      sleep: options.sleep,
    });
    events.emit('validate.terminated', `${instanceId} terminated`, { instanceId });
    return undefined;
  } catch (error) {
    if (awsErrorCode(error) === 'InvalidInstanceID.NotFound') return undefined;
    events.emit(
      'validate.terminate.failed',
      `Could not confirm ${instanceId} terminated: ${errorMessage(error)}`,
      { instanceId },
      'error',
    );
    return error;
  }
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function isProfileNotYetKnown(error: unknown): boolean {
  return awsErrorCode(error) === 'InvalidParameterValue' && /iamInstanceProfile/i.test(errorMessage(error));
}
