import pc from 'picocolors';

export type Palette = ReturnType<typeof pc.createColors>;

export interface ColorContext {
  env?: NodeJS.ProcessEnv;
  stream?: { isTTY?: boolean };
}

/**
 * Whether to colour output: `NO_COLOR` (any non-empty value) always wins, then `FORCE_COLOR`,
 * then whether the stream is a terminal that is not `dumb`.
 */
export function colorEnabled({ env = process.env, stream = process.stderr }: ColorContext = {}): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0';
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function createPalette(enabled: boolean): Palette {
  return pc.createColors(enabled);
}

/**
 * Makes third-party libraries that colour through chalk/supports-color (cmd-ts's help) honour
 * `NO_COLOR` too. Call before they are imported.
 */
export function applyColorPreference(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') env.FORCE_COLOR = '0';
}
