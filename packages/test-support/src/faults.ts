import type { InitializeHandler, InitializeHandlerArguments, MiddlewareStack } from '@smithy/types';

/** A failure to inject into an SDK client's calls. */
export interface FaultRule {
  /** Command name as the SDK knows it, e.g. `DescribeInstancesCommand`; omit to match every call. */
  command?: string;
  /** Error code, e.g. `RequestLimitExceeded`, `DependencyViolation`, `InvocationDoesNotExist`. */
  code: string;
  /** HTTP status reported with the error. Default 400 (503 for `ServiceUnavailable`). */
  status?: number;
  /** How many matching calls fail before the rule stops firing. Default 1. */
  times?: number;
  /** Only calls whose input satisfies this predicate. */
  when?: (input: Record<string, unknown>) => boolean;
  message?: string;
}

export interface FaultInjector {
  /** Calls that were failed on purpose, by command name. */
  readonly injected: Array<{ command: string; code: string }>;
  /** Stops injecting (the middleware stays, inert). */
  disable(): void;
}

/** Any AWS SDK v3 client. */
export interface MiddlewareClient {
  // biome-ignore lint/suspicious/noExplicitAny: each SDK client's stack is typed by its own command unions
  middlewareStack: MiddlewareStack<any, any>;
}

let counter = 0;

/**
 * Adds a middleware that fails matching calls with AWS-shaped errors before they reach the
 * wire, in the order the rules are given. It sits above the SDK's retry step, so the code under
 * test sees each fault and must handle it itself — exactly what a throttled or eventually
 * consistent AWS does to it.
 */
export function injectFaults(client: MiddlewareClient, rules: FaultRule[]): FaultInjector {
  const remaining = rules.map((rule) => ({ rule, left: rule.times ?? 1 }));
  const injected: Array<{ command: string; code: string }> = [];
  let enabled = true;
  counter += 1;
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: see MiddlewareClient
    (next: InitializeHandler<any, any>, context) => async (args: InitializeHandlerArguments<any>) => {
      const command = context.commandName ?? 'unknown';
      if (enabled) {
        const match = remaining.find(
          ({ rule, left }) =>
            left > 0 &&
            (rule.command === undefined || rule.command === command) &&
            (rule.when === undefined || rule.when(args.input)),
        );
        if (match !== undefined) {
          match.left -= 1;
          injected.push({ command, code: match.rule.code });
          throw awsError(match.rule);
        }
      }
      return next(args);
    },
    { step: 'initialize', name: `labFaultInjection${counter}`, priority: 'high' },
  );
  return {
    injected,
    disable: () => {
      enabled = false;
    },
  };
}

/** An error shaped like the AWS SDK v3's service exceptions. */
export function awsError(rule: Pick<FaultRule, 'code' | 'status' | 'message'>): Error {
  const status = rule.status ?? (rule.code === 'ServiceUnavailable' ? 503 : 400);
  return Object.assign(new Error(rule.message ?? `Injected ${rule.code}`), {
    name: rule.code,
    Code: rule.code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
  });
}

/** One SDK call as an interceptor sees it. */
export interface InterceptedCall {
  /** Command name as the SDK knows it, e.g. `DeleteVpcCommand`. */
  command: string;
  input: Record<string, unknown>;
}

/**
 * Decides what one call does: call `send()` to let it through (it resolves with the service's
 * output), change that output, throw instead, or both — e.g. let a deletion happen and then
 * fail it as a concurrent run would have seen it.
 */
export type CallInterceptor = (
  call: InterceptedCall,
  send: () => Promise<Record<string, unknown>>,
) => Promise<Record<string, unknown>>;

/**
 * Routes every call of `client` through `intercept`, above the SDK's retry step (like
 * `injectFaults`): the code under test sees whatever the interceptor makes of each attempt.
 */
export function interceptCalls(client: MiddlewareClient, intercept: CallInterceptor): void {
  counter += 1;
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: see MiddlewareClient
    (next: InitializeHandler<any, any>, context) => async (args: InitializeHandlerArguments<any>) => {
      let response: unknown;
      const output = await intercept(
        { command: context.commandName ?? 'unknown', input: args.input as Record<string, unknown> },
        async () => {
          const result = await next(args);
          response = result.response;
          return result.output as Record<string, unknown>;
        },
      );
      return { output, response };
    },
    { step: 'initialize', name: `labCallInterceptor${counter}`, priority: 'high' },
  );
}
