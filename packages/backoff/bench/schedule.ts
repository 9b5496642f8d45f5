// Prints how late a poller notices readiness under different schedules, in virtual time.
// Usage: pnpm --filter @lab/backoff bench
import { createVirtualTime } from '@lab/core';
import { type BackoffSchedule, pollUntil } from '../src/index.js';

const schedules: Array<[string, BackoffSchedule]> = [
  ['lab default (5 s ×1.5 ≤30 s)', {}],
  ['fast (1 s ×1.5 ≤5 s)', { initialDelayMs: 1000, factor: 1.5, maxDelayMs: 5000 }],
  ['SDK EC2 waiter-like (15 s ≤120 s)', { initialDelayMs: 15_000, factor: 2, maxDelayMs: 120_000 }],
];
const readyTimesS = Array.from({ length: 300 }, (_, i) => i + 1);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

console.log(`readiness at 1…300 s, ${readyTimesS.length} trials per schedule (virtual time)`);
console.log(
  'schedule'.padEnd(36),
  'median lag'.padStart(11),
  'max lag'.padStart(9),
  'checks (median)'.padStart(16),
);
for (const [name, schedule] of schedules) {
  const lags: number[] = [];
  const checks: number[] = [];
  for (const readyAtS of readyTimesS) {
    const time = createVirtualTime();
    const start = time.clock.now();
    let attempts = 0;
    await pollUntil(
      () => {
        attempts += 1;
        return time.clock.now() - start >= readyAtS * 1000;
      },
      { until: Boolean, timeoutMs: 3_600_000, ...schedule, ...time },
    );
    lags.push((time.clock.now() - start) / 1000 - readyAtS);
    checks.push(attempts);
  }
  console.log(
    name.padEnd(36),
    `${median(lags).toFixed(1)} s`.padStart(11),
    `${Math.max(...lags).toFixed(1)} s`.padStart(9),
    String(median(checks)).padStart(16),
  );
}
