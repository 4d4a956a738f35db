// The logging seam between the pure core and its two shells (the extension's LogOutputChannel, the CLI's stderr).

export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** Logs the message and, for an Error, its stack: errors a user cannot act on must be diagnosable from the log. */
  error(message: string, error?: unknown): void;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
