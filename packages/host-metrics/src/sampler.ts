import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the shipped `lab-host-sampler` script. Run it with `bash PATH …`: an
 * installed package may not keep the file executable.
 */
export function samplerScriptPath(): string {
  return fileURLToPath(new URL('../assets/lab-host-sampler', import.meta.url));
}
