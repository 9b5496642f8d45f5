export { resolveExperimentRef } from './latest.js';
export { cleanupCommand, type MainOptions, main } from './main.js';
