import { existsSync } from 'node:fs';
import { describeWhen } from './gate.js';

/** Debian's chromium, or the browser named by `CHROMIUM_PATH`. */
export const chromiumPath: string = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for headless Chromium on a machine without network access or a sandbox. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `describe` for browser tests: skipped loudly without Chromium locally, failing under CI. */
export function describeWithChromium(name: string, body: () => void): void {
  describeWhen(
    existsSync(chromiumPath),
    `Chromium not found at ${chromiumPath} (apt-get install chromium)`,
    name,
    body,
  );
}
