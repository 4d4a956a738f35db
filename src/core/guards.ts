// The one plain-object check, for everything that reads untrusted JSON: settings, job files, and
// (through src/webviewKit/guards.ts) the messages between the host and its webviews.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
