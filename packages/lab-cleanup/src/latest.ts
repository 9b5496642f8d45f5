import { isExperimentId } from '@lab/core';
import { openStore } from '@lab/experiment-store';

/**
 * The experiment to clean up: a full id is taken as it is — cleanup works from tags alone, also
 * when this machine never saw the experiment — while `latest` and a unique prefix are resolved
 * through the local experiment store (`$PULSAR_AWS_LAB_HOME`, else `~/.pulsar-aws-lab`).
 * Anything else (wildcards, empty) goes on unchanged to the selector's safety checks.
 */
export async function resolveExperimentRef(
  ref: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const couldBePrefix = /^[a-z0-9][a-z0-9-]*$/.test(ref);
  if ((ref !== 'latest' && isExperimentId(ref)) || !couldBePrefix) return ref;
  return openStore({ env }).resolve(ref);
}
