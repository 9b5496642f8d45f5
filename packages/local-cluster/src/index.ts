export { BOOTSTRAP_OUTPUT_PATH, type BootstrapState, bootstrapStatus, startBootstraps } from './bootstrap.js';
export { ensureLocalImage, type LocalImage, type LocalImageOptions } from './image.js';
export {
  blockFor,
  hostsOf,
  LOCAL_ADDRESS_PREFIX,
  type LocalClusterLayout,
  type LocalHost,
  type LocalLayoutOptions,
  type LocalListener,
  MAX_LOCAL_CLIENTS,
  membersOf,
  planLocalCluster,
} from './layout.js';
export { checkListenersFree, checkLocalPrerequisites } from './preflight.js';
export { type ExperimentProcess, experimentProcesses, isAlive } from './processes.js';
export { createHostRoots, type HostRootsOptions } from './roots.js';
export {
  fetchHostFile,
  type HostCommandResult,
  type HostShell,
  hostEnvironment,
  putHostFile,
  runOnHost,
  SUPERVISOR_PATH,
} from './shell.js';
export {
  type OpenListener,
  openListenersOf,
  type StopOptions,
  type StopReport,
  stopLocalCluster,
} from './stop.js';
