// Where the real-world corpus is: S3 access-log lines and S3 Inventory reports that other people
// wrote (AWS's documentation, other parsers' fixtures, production archives), in the shared folder
// beside the clone (see its SOURCES.md). It is read from there, never copied into this repository:
// several of its licences forbid shipping it. S3LS_EXTERNAL points elsewhere.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The corpus folder; throws (so the tests fail, not skip) when it is not there. */
export function externalDir(): string {
  const dir = process.env.S3LS_EXTERNAL ?? resolve(__dirname, '..', '..', '..', '..', 'shared', 'external');
  if (!existsSync(join(dir, 'SOURCES.md'))) {
    throw new Error(`the real-world corpus is not at ${dir}: the tests read it from ../shared/external beside the clone (or set S3LS_EXTERNAL to its folder)`);
  }
  return dir;
}

export function externalPath(...parts: string[]): string {
  return join(externalDir(), ...parts);
}

export function readExternal(...parts: string[]): string {
  return readFileSync(externalPath(...parts), 'utf8');
}
