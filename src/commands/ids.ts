// The ids of every command the extension contributes. Pure, so the manifest can be checked
// against it in plain Node; the command table must give each one a handler (the compiler checks).

export const COMMAND_IDS = [
  's3lifecycle.refresh',
  's3lifecycle.selectProfile',
  's3lifecycle.setEndpoint',
  's3lifecycle.openSettings',
  's3lifecycle.openPanel',
  's3lifecycle.checkLocalEngine',
  's3lifecycle.showLog',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
