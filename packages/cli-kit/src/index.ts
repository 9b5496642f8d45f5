export {
  duration,
  GLOBAL_FLAG_SPEC,
  type GlobalArgValues,
  type GlobalFlagSpec,
  globalArgs,
  hoistGlobalFlags,
  parseDuration,
} from './args.js';
export {
  applyColorPreference,
  type ColorContext,
  colorEnabled,
  createPalette,
  type Palette,
} from './color.js';
export { type ConfirmOptions, confirm, type QuestionInput } from './confirm.js';
export { EXIT_CODES, EXIT_CODES_HELP, type ExitCode, exitCodeFor } from './exit-codes.js';
export { errorToJson, formatError } from './format-error.js';
export {
  chooseMode,
  createRenderer,
  formatElapsed,
  type OutputStream,
  type ProgressData,
  type Renderer,
  type RendererOptions,
  type RenderMode,
  type StatusView,
} from './renderer.js';
export { type CliContext, type RunCliOptions, runCli, type SignalSource } from './run.js';
export { type Column, formatTable, type TableOptions } from './table.js';
export { singleLine, stripAnsi, terminalWidth, truncate, visibleWidth } from './width.js';
