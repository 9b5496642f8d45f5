import { isExperimentId } from '@lab/core';
import { openStore } from '@lab/experiment-store';

/**
 * The experiment to clean up: a full id is taken as it is — cleanup works from tags alone, also
 * when this machine never saw the experiment — while `latest` and a unique prefix are resolved
 * through the local experiment store (`$PULSAR_AWS_LAB_HOME`, else `~/.pulsar-aws-lab`).
 * Anything else (wildcards, empty) goes on unchanged to the selector's safety checks.
 * `resolve` is the environment to find the store in, or a resolver of an open store.
 */
export async function resolveExperimentRef(
  ref: string,
  resolve: NodeJS.ProcessEnv | ((ref: string) => Promise<string>) = process.env,
): Promise<string> {
  const couldBePrefix = /^[a-z0-9][a-z0-9-]*$/.test(ref);
  if ((ref !== 'latest' && isExperimentId(ref)) || !couldBePrefix) return ref;
  return typeof resolve === 'function' ? resolve(ref) : openStore({ env: resolve }).resolve(ref);
}
