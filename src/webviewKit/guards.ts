// Type guards for messages that cross the host ↔ webview boundary. Imported by the extension host
// and by the webview bundles (so: no DOM, no Node). Every inbound message is checked with these
// before anything acts on it.

import { isRecord } from '../core/guards';

export { isRecord };

/** A request or run id: a positive safe integer. */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** A safe integer, not negative. */
export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Finite (no NaN, no infinity) and not negative; byte counts may pass 2^53 for the largest estates. */
export function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

export function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** True when `value` has no key outside `keys` (it may lack some of them). */
export function hasOnlyKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return Object.keys(value).every((key) => keys.includes(key));
}

/** True when `value` is one of `choices` (an enum of strings). */
export function isOneOf<T extends string>(value: unknown, choices: readonly T[]): value is T {
  return typeof value === 'string' && (choices as readonly string[]).includes(value);
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** At most 200 characters of a value, for a log line about a message that was dropped. */
export function previewOf(raw: unknown): string {
  try {
    return JSON.stringify(raw).slice(0, 200);
  } catch {
    return typeof raw;
  }
}
