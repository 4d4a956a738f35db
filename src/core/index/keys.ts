// Record keys → timestamps → time buckets, and the names of the index's objects (docs/index-format.md §Object
// naming). A key is `<anything>-<unixtime>`: the digits after its last '-' are unix seconds (13 digits:
// milliseconds). Buckets are UTC paths such as `2023/05/11/19` (hour granularity).

import { xxh64Hex } from './xxh64';

/** How wide a time bucket is: one manifest (and its parts) per bucket. */
export type Granularity = 'second' | 'minute' | 'hour' | 'day';

/** Every granularity, finest first. */
export const GRANULARITIES: readonly Granularity[] = ['second', 'minute', 'hour', 'day'];

/** The default granularity (the design's; a bucket per hour). */
export const DEFAULT_GRANULARITY: Granularity = 'hour';

/** Whether `text` names a granularity. */
export function isGranularity(text: unknown): text is Granularity {
  return typeof text === 'string' && (GRANULARITIES as readonly string[]).includes(text);
}

/** Parses a granularity (CLI flag, setting); throws with the accepted values otherwise. */
export function parseGranularity(text: string): Granularity {
  const trimmed = text.trim().toLowerCase();
  if (isGranularity(trimmed)) return trimmed;
  throw new RangeError(`Unknown granularity "${text}": use one of ${GRANULARITIES.join(', ')}`);
}

/**
 * The epoch milliseconds of a key's timestamp, or undefined when the key has none. The timestamp is the run of
 * ASCII digits after the key's last '-' and must end the key: 1–11 digits are seconds, exactly 13 digits are
 * milliseconds; 12 or 14+ digits, no '-', or no digits are not a timestamp (the key is malformed).
 */
export function keyTimestampMs(key: string): number | undefined {
  const dash = key.lastIndexOf('-');
  if (dash < 0) return undefined;
  const digits = key.length - dash - 1;
  if (digits < 1 || digits > 13 || digits === 12) return undefined;
  let value = 0;
  for (let i = dash + 1; i < key.length; i++) {
    const c = key.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  return digits === 13 ? value : value * 1000;
}

/**
 * keyTimestampMs over a key's UTF-8 bytes [start, end) (the build path, before any string exists). The timestamp
 * digits are ASCII, so the byte and string rules agree for every key.
 */
export function keyTimestampMsOfBytes(bytes: Uint8Array, start: number, end: number): number | undefined {
  let dash = end - 1;
  while (dash >= start && bytes[dash] !== 0x2d) dash--;
  if (dash < start) return undefined;
  const digits = end - dash - 1;
  if (digits < 1 || digits > 13 || digits === 12) return undefined;
  let value = 0;
  for (let i = dash + 1; i < end; i++) {
    const c = bytes[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  return digits === 13 ? value : value * 1000;
}

/** Milliseconds in one bucket of each granularity (UTC has no daylight saving: buckets are fixed-width). */
export const GRANULARITY_MS: Readonly<Record<Granularity, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The number of the bucket holding an instant (buckets counted from the epoch): cheap to compute per record. */
export function bucketIndex(epochMs: number, granularity: Granularity): number {
  return Math.floor(epochMs / GRANULARITY_MS[granularity]);
}

/** The path of bucket number `index` (bucketIndex's inverse, as a path). */
export function bucketPathOfIndex(index: number, granularity: Granularity): string {
  return bucketPath(index * GRANULARITY_MS[granularity], granularity);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The UTC bucket path of an instant: second `YYYY/MM/DD/HH/mm/SS`, minute `YYYY/MM/DD/HH/mm`, hour `YYYY/MM/DD/HH`, day `YYYY/MM/DD`. */
export function bucketPath(epochMs: number, granularity: Granularity): string {
  const date = new Date(epochMs);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(year)) throw new RangeError(`No time bucket for ${epochMs} ms: not a valid instant`);
  const day = `${String(year).padStart(4, '0')}/${pad2(date.getUTCMonth() + 1)}/${pad2(date.getUTCDate())}`;
  if (granularity === 'day') return day;
  const hour = `${day}/${pad2(date.getUTCHours())}`;
  if (granularity === 'hour') return hour;
  const minute = `${hour}/${pad2(date.getUTCMinutes())}`;
  if (granularity === 'minute') return minute;
  return `${minute}/${pad2(date.getUTCSeconds())}`;
}

/** A key's bucket path, or undefined when the key has no timestamp. */
export function keyBucket(key: string, granularity: Granularity): string | undefined {
  const ms = keyTimestampMs(key);
  return ms === undefined ? undefined : bucketPath(ms, granularity);
}

/** Whether `path` is a well-formed bucket path of `granularity` (validates what a manifest or listing says). */
export function isBucketPath(path: string, granularity: Granularity): boolean {
  const parts = { day: 3, hour: 4, minute: 5, second: 6 }[granularity];
  return new RegExp(`^\\d{4}(/\\d{2}){${parts - 1}}$`).test(path);
}

/**
 * A new part id: 13 hex digits of epoch milliseconds (so names sort by creation time) + 8 random hex digits (so two
 * builders in the same millisecond never collide). `random` returns 32 random bits; by default from crypto.
 */
export function newPartId(nowMs: number = Date.now(), random: () => number = randomU32): string {
  return `${Math.floor(nowMs).toString(16).padStart(13, '0')}${(random() >>> 0).toString(16).padStart(8, '0')}`;
}

/** The creation time a part id carries (epoch ms), or undefined if it is not one of ours. */
export function partIdTime(partId: string): number | undefined {
  return /^[0-9a-f]{21}$/.test(partId) ? parseInt(partId.slice(0, 13), 16) : undefined;
}

function randomU32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

function joinKey(prefix: string, rest: string): string {
  if (prefix === '') return rest;
  return prefix.endsWith('/') ? `${prefix}${rest}` : `${prefix}/${rest}`;
}

/** `I/_index.json`: the index's settings, created once. `indexPrefix` is the key prefix of s3://B/I (no bucket). */
export function indexConfigKey(indexPrefix: string): string {
  return joinKey(indexPrefix, '_index.json');
}

/** `I/<bucket>/<partId>.idx`. */
export function partObjectKey(indexPrefix: string, bucket: string, partId: string): string {
  return joinKey(indexPrefix, `${bucket}/${partId}.idx`);
}

/** `I/<bucket>/_manifest.idxm`. */
export function manifestObjectKey(indexPrefix: string, bucket: string): string {
  return joinKey(indexPrefix, `${bucket}/_manifest.idxm`);
}

/** `I/_objects/<xxh64hex(dataKey)>.json`: the ledger entry of an indexed data object (needs `initXxh64()`). */
export function ledgerObjectKey(indexPrefix: string, dataKey: string): string {
  return joinKey(indexPrefix, `_objects/${xxh64Hex(dataKey)}.json`);
}

/** `I/_claims/<xxh64hex(dataKey)>.json`: a builder's claim on a data object (needs `initXxh64()`). */
export function claimObjectKey(indexPrefix: string, dataKey: string): string {
  return joinKey(indexPrefix, `_claims/${xxh64Hex(dataKey)}.json`);
}
