// The ops console: the runbook's System Health page, served by the SDK as static same-origin files.
export {
  createOpsConsole,
  OPS_CONSOLE_CSP,
  type OpsConsoleHandler,
  type OpsConsoleOptions,
} from './handler.js';
