// The extension's one log: a LogOutputChannel ("S3 Lifecycle Studio") behind the core's Logger.

import * as vscode from 'vscode';
import type { Logger } from '../core/log';

export function createLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    trace: (message) => channel.trace(message),
    info: (message) => channel.info(message),
    warn: (message) => channel.warn(message),
    error: (message, error) => {
      if (error instanceof Error) channel.error(`${message}: ${error.stack ?? error.message}`);
      else if (error !== undefined) channel.error(`${message}: ${String(error)}`);
      else channel.error(message);
    },
  };
}
