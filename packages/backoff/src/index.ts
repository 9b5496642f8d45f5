export {
  classifyAwsError,
  classifyPermanentAwsError,
  DENIED_ERROR_CODES,
  isTransientAwsError,
  type PermanentKind,
  THROTTLING_ERROR_CODES,
  TRANSIENT_HTTP_STATUSES,
  type TransientKind,
  UNSUPPORTED_ERROR_CODES,
} from './classify.js';
export {
  type AttemptContext,
  type AttemptInfo,
  formatDuration,
  type PollOptions,
  PollTimeoutError,
  pollUntil,
} from './poll.js';
export { DEFAULT_RETRY_SCHEDULE, type RetryInfo, type RetryOptions, retry } from './retry.js';
export {
  type BackoffSchedule,
  DEFAULT_SCHEDULE,
  delayFor,
  jittered,
  resolveSchedule,
  scheduleDelays,
} from './schedule.js';
