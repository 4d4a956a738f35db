// State files written so that a crash or a power cut leaves either the old file or the new one,
// never a mix: the text goes to a temp file beside it, the temp file is synced, renamed (or linked,
// for a file that must not exist yet) over the name, and the folder is synced so the rename lasts.

import { randomBytes } from 'node:crypto';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Syncs a folder, so that a rename or a new name in it survives a power cut. Not possible on Windows, where it is skipped. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open a folder as a file (EISDIR/EPERM); some file systems refuse to sync one (EINVAL).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

async function writeSyncedTemp(path: string, text: string): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Replaces `path` with `text` atomically and durably: temp file, fsync, rename, fsync of the folder. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = await writeSyncedTemp(path, text);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Creates `path` with `text` only if it does not exist yet (EEXIST otherwise), atomically and
 * durably: the name appears with its whole text or not at all (a hard link of a synced temp file).
 */
export async function createFileAtomic(path: string, text: string): Promise<void> {
  const temp = await writeSyncedTemp(path, text);
  try {
    await link(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(dirname(path));
}
