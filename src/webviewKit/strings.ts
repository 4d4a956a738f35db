// The user-facing strings a host sends its webview (localised on the host with `vscode.l10n.t`):
// a table of keys the compiler checks against the strings interface, the guard the webview checks
// them with, and `formatString`, the webview's half of `vscode.l10n.t`. Host and webview both import it.

import { isRecord } from './guards';

export interface StringTable<S> {
  /** Every key of `S`, in the order the table lists them. */
  readonly keys: readonly (keyof S & string)[];
  /** True when `value` has a string under every key (what else it has is not looked at). */
  is(value: unknown): value is S;
}

/**
 * The table of a strings interface. `required` names every key with `true`: the compiler rejects a
 * missing key and an unknown one, so the guard cannot drift from the interface.
 */
export function stringTable<S>(required: Record<keyof S & string, true>): StringTable<S> {
  const keys = Object.keys(required) as (keyof S & string)[];
  return { keys, is: (value: unknown): value is S => isRecord(value) && keys.every((key) => typeof value[key] === 'string') };
}

/** `{0}` … `{n}` replaced by the arguments (the webview's half of `vscode.l10n.t`). */
export function formatString(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d+)\}/g, (match, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? match : String(value);
  });
}
