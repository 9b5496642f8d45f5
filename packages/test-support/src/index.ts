export { CHROMIUM_ARGS, chromiumPath, describeWithChromium } from './browser.js';
export {
  awsError,
  type CallInterceptor,
  type FaultInjector,
  type FaultRule,
  type InterceptedCall,
  injectFaults,
  interceptCalls,
  type MiddlewareClient,
} from './faults.js';
export { describeWhen } from './gate.js';
export { describeResources, survivors } from './inventory.js';
export { describeWithLocalTarget, type LocalTargetInputs, localTargetInputs } from './local-target.js';
export {
  describeWithMoto,
  MOTO_ENDPOINT_VARIABLE,
  type MotoAccount,
  type MotoConnection,
  type MotoCredentials,
  motoAccount,
  motoEndpoint,
} from './moto.js';
export {
  controlCharacters,
  describeWithPty,
  KEYS,
  killPtys,
  type PipedResult,
  type PtyOptions,
  type PtySession,
  runPiped,
  type ScreenLine,
  spawnPty,
  terminalEnv,
  wrappedRows,
} from './pty.js';
export { type RecordingOptions, type RecordingStep, recordTerminal } from './record.js';
export {
  type CellLike,
  type StyledRow,
  type StyledRun,
  type SvgOptions,
  screenSvg,
  screenText,
  styledRow,
} from './screenshot.js';
export { describeWithTools, findTool, LAB_TOOLS_BIN, TOOLS, type Tool } from './tools.js';
export {
  buildTopology,
  countResources,
  labTagsFor,
  publicImage,
  type Topology,
  type TopologyClients,
  type TopologyOptions,
} from './topology.js';
