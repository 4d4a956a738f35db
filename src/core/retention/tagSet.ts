// Decides, per object, what tagging for expiration does to its tag set: PutObjectTagging replaces
// the whole set, so the new set is always built from the old one, and a user's tag never changes.

import type { TagSpec } from './report';

/** One object tag, as S3 sends and takes it. */
export interface Tag {
  Key: string;
  Value: string;
}

/** S3 allows at most this many tags on an object. */
export const MAX_OBJECT_TAGS = 10;

/** Why an object was left as it was. */
export type TagSkipReason = 'alreadyTagged' | 'keepTag' | 'tagLimit' | 'conflictingTag';

export type TagDecision = { action: 'put'; after: Tag[] } | { action: 'skip'; reason: TagSkipReason };

/** The tag that exempts an object; without a value, any value of the key exempts it. */
export interface KeepTag {
  key: string;
  value?: string;
}

/**
 * What to do with an object whose tags are `before`. The keep tag wins over everything (the user
 * said hands off); an expiration key with another value is the user's and is never overwritten.
 */
export function decideTags(before: readonly Tag[], expiration: TagSpec, keep?: KeepTag): TagDecision {
  if (keep && before.some((t) => t.Key === keep.key && (keep.value === undefined || t.Value === keep.value))) {
    return { action: 'skip', reason: 'keepTag' };
  }
  const existing = before.find((t) => t.Key === expiration.key);
  if (existing) return { action: 'skip', reason: existing.Value === expiration.value ? 'alreadyTagged' : 'conflictingTag' };
  if (before.length >= MAX_OBJECT_TAGS) return { action: 'skip', reason: 'tagLimit' };
  return { action: 'put', after: [...before.map((t) => ({ Key: t.Key, Value: t.Value })), { Key: expiration.key, Value: expiration.value }] };
}

/** The tag set without our expiration tag (key and value both match); every other tag stays, in order. */
export function removeExpirationTag(current: readonly Tag[], expiration: TagSpec): Tag[] {
  return current.filter((t) => !(t.Key === expiration.key && t.Value === expiration.value)).map((t) => ({ Key: t.Key, Value: t.Value }));
}

export function hasTag(tags: readonly Tag[], tag: TagSpec): boolean {
  return tags.some((t) => t.Key === tag.key && t.Value === tag.value);
}

/** Equal as sets: S3 does not promise to return tags in the order they were put. */
export function tagSetsEqual(a: readonly Tag[], b: readonly Tag[]): boolean {
  if (a.length !== b.length) return false;
  const values = new Map(a.map((t) => [t.Key, t.Value]));
  if (values.size !== a.length) return false;
  return b.every((t) => values.has(t.Key) && values.get(t.Key) === t.Value);
}

/** The tags in `after` that `before` lacks: what a change added. */
export function addedTags(before: readonly Tag[], after: readonly Tag[]): Tag[] {
  return after.filter((t) => !before.some((b) => b.Key === t.Key && b.Value === t.Value));
}

// ----------------------------------------------------------------------------------------------
// Tag arguments: `--tag k=v`, `--keep-tag k[=v]`, and the same strings from settings.

export class TagArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TagArgError';
  }
}

/** S3 tag keys are 1–128 and values 0–256 Unicode characters. */
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
// Letters, digits, spaces (Unicode), and + - = . _ : / @ — the characters AWS documents for tags.
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkTagKey(key: string, what: string): void {
  const length = [...key].length;
  if (length === 0) throw new TagArgError(`${what}: the tag key is empty; write key=value, for example s3-lifecycle-studio:expire=true`);
  if (length > MAX_TAG_KEY_LENGTH) throw new TagArgError(`${what}: the tag key has ${length} characters; S3 allows at most ${MAX_TAG_KEY_LENGTH}`);
  if (!TAG_CHARACTERS.test(key))
    throw new TagArgError(`${what}: the tag key "${key}" has a character S3 does not allow; use letters, digits, spaces and + - = . _ : / @`);
  if (key.toLowerCase().startsWith('aws:')) throw new TagArgError(`${what}: tag keys starting with "aws:" are reserved by AWS; choose another key`);
}

function checkTagValue(value: string, what: string): void {
  const length = [...value].length;
  if (length > MAX_TAG_VALUE_LENGTH) throw new TagArgError(`${what}: the tag value has ${length} characters; S3 allows at most ${MAX_TAG_VALUE_LENGTH}`);
  if (!TAG_CHARACTERS.test(value))
    throw new TagArgError(`${what}: the tag value "${value}" has a character S3 does not allow; use letters, digits, spaces and + - = . _ : / @`);
}

/** Throws TagArgError when a tag (or a keep tag, value optional) breaks S3's rules: what a stored run file is checked with. */
export function checkTag(tag: { key: string; value?: string }, what: string): void {
  checkTagKey(tag.key, what);
  if (tag.value !== undefined) checkTagValue(tag.value, what);
}

/** `key=value` (split at the first '=') → a validated tag; the value may be empty (`key=`). */
export function parseTagArg(text: string, what = '--tag'): TagSpec {
  const eq = text.indexOf('=');
  if (eq < 0) throw new TagArgError(`${what} takes key=value, not "${text}"`);
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  checkTagKey(key, what);
  checkTagValue(value, what);
  return { key, value };
}

/** `key` or `key=value`: without a value, any value of the key counts. */
export function parseKeepTagArg(text: string, what = '--keep-tag'): KeepTag {
  const eq = text.indexOf('=');
  if (eq < 0) {
    checkTagKey(text, what);
    return { key: text };
  }
  return parseTagArg(text, what);
}

export function formatTag(tag: TagSpec | KeepTag): string {
  return tag.value === undefined ? tag.key : `${tag.key}=${tag.value}`;
}

/** A keep-tag setting or flag: '' means none; otherwise as parseKeepTagArg. One parser for the CLI and the extension. */
export function parseKeepTagSetting(text: string, what = '--keep-tag'): KeepTag | null {
  return text === '' ? null : parseKeepTagArg(text, what);
}

/** The keep tag as a report records it: value '' for "any value". */
export function keepTagSpec(tag: KeepTag | null): TagSpec | null {
  return tag ? { key: tag.key, value: tag.value ?? '' } : null;
}
