// The per-bucket manifest (`<bucket>/_manifest.idxm`, docs/index-format.md §Manifest): a JSON directory of the
// bucket's parts followed by a verbatim copy of each part's lookup prefix, so a cold lookup reads one object and
// needs no part read before the block it wants. Binary, checksummed as a whole:
//   "S3LSMAN\n" | u32 version = 1 | u32 jsonLength | JSON | prefix of part 0 | prefix of part 1 | … | u64 XXH64(all before)
// Manifests only grow: appendParts never drops a part, which is what makes the compare-and-swap protocol safe.

import { IndexFormatError } from './errors';
import { compareKeys, utf8, utf8Decoder } from './keyOrder';
import { PART_MAGIC, type DataObjectRef, type EncodedPart } from './part';
import { xxh64 } from './xxh64';

/** "S3LSMAN\n". */
export const MANIFEST_MAGIC = new Uint8Array([0x53, 0x33, 0x4c, 0x53, 0x4d, 0x41, 0x4e, 0x0a]);
export const MANIFEST_VERSION = 1;
/** magic + version + jsonLength. */
export const MANIFEST_FIXED_HEADER = 16;
/** The trailing XXH64. */
export const MANIFEST_TRAILER = 8;

/** One part as the manifest's directory lists it. */
export interface ManifestPart {
  /** The part's file name in the bucket folder: `<partId>.idx`. */
  name: string;
  /** Distinct entries in the part (≥ 1). */
  entries: number;
  minKey: string;
  maxKey: string;
  /** Length of the lookup prefix copied into the manifest (= the part's entriesOffset). */
  prefixLength: number;
  /** The part object's size in bytes. */
  bytes: number;
  /** The part's objects table (also the fallback: the data objects to scan if the part is corrupt). */
  objects: DataObjectRef[];
  /** ISO 8601 time the part was written. */
  createdAt: string;
  /** Who wrote it (e.g. `host/pid`), for diagnostics. */
  builder: string;
}

/** The JSON directory. Parts in append order: the last is the newest. */
export interface ManifestDirectory {
  version: 1;
  /** The bucket path, e.g. `2023/05/11/19`. */
  bucket: string;
  parts: ManifestPart[];
}

/** A decoded manifest: the directory and, for parts[i], prefixes[i] (views of the manifest bytes when decoded). */
export interface Manifest {
  directory: ManifestDirectory;
  prefixes: Uint8Array[];
}

/** A part to add: its directory entry and its lookup prefix bytes. */
export interface ManifestAddition {
  part: ManifestPart;
  prefix: Uint8Array;
}

/** A manifest with no parts yet. */
export function emptyManifest(bucket: string): Manifest {
  return { directory: { version: MANIFEST_VERSION, bucket, parts: [] }, prefixes: [] };
}

/** The addition for a freshly encoded part (copies its lookup prefix, so the part's bytes can be released). */
export function manifestAddition(
  encoded: EncodedPart,
  name: string,
  objects: readonly DataObjectRef[],
  createdAt: string = new Date().toISOString(),
  builder = 'unknown',
): ManifestAddition {
  if (encoded.entryCount === 0 || encoded.minKey === undefined || encoded.maxKey === undefined)
    throw new RangeError(`part ${name} is empty: a manifest lists only parts with entries`);
  return {
    part: {
      name,
      entries: encoded.entryCount,
      minKey: encoded.minKey,
      maxKey: encoded.maxKey,
      prefixLength: encoded.prefixLength,
      bytes: encoded.bytes.length,
      objects: objects.map((o) => ({ key: o.key, etag: o.etag, size: o.size })),
      createdAt,
      builder,
    },
    prefix: encoded.bytes.slice(0, encoded.prefixLength),
  };
}

/**
 * Appends parts to a manifest (or to a new one when `current` is undefined), pure: the result shares nothing
 * mutable with the input. A part whose name is already listed is skipped (a retried CAS re-applies the same
 * additions), so `appendParts(appendParts(m, b, x), b, x)` equals `appendParts(m, b, x)`. Existing parts are
 * never dropped or reordered.
 */
export function appendParts(
  current: Manifest | undefined,
  bucket: string,
  additions: readonly ManifestAddition[],
): { manifest: Manifest; added: string[]; alreadyListed: string[] } {
  const base = current ?? emptyManifest(bucket);
  if (base.directory.bucket !== bucket) throw new RangeError(`manifest is for bucket ${base.directory.bucket}, not ${bucket}`);
  const names = new Set(base.directory.parts.map((p) => p.name));
  const parts = base.directory.parts.slice();
  const prefixes = base.prefixes.slice();
  const added: string[] = [];
  const alreadyListed: string[] = [];
  for (const { part, prefix } of additions) {
    validatePart(part, `part ${part.name}`, (message) => new RangeError(message));
    if (prefix.length !== part.prefixLength)
      throw new RangeError(`part ${part.name}: the prefix is ${prefix.length} bytes, the directory says ${part.prefixLength}`);
    if (names.has(part.name)) {
      alreadyListed.push(part.name);
      continue;
    }
    names.add(part.name);
    parts.push({ ...part, objects: part.objects.map((o) => ({ ...o })) });
    prefixes.push(prefix);
    added.push(part.name);
  }
  return { manifest: { directory: { version: MANIFEST_VERSION, bucket, parts }, prefixes }, added, alreadyListed };
}

/** Serialises a manifest. */
export function encodeManifest(manifest: Manifest): Uint8Array {
  const { directory, prefixes } = manifest;
  if (prefixes.length !== directory.parts.length) throw new RangeError(`manifest has ${directory.parts.length} parts but ${prefixes.length} prefixes`);
  // Fixed key order: the same manifest always encodes to the same bytes.
  const json = utf8.encode(
    JSON.stringify({
      version: MANIFEST_VERSION,
      bucket: directory.bucket,
      parts: directory.parts.map((p) => ({
        name: p.name,
        entries: p.entries,
        minKey: p.minKey,
        maxKey: p.maxKey,
        prefixLength: p.prefixLength,
        bytes: p.bytes,
        objects: p.objects.map((o) => ({ key: o.key, etag: o.etag, size: o.size })),
        createdAt: p.createdAt,
        builder: p.builder,
      })),
    }),
  );
  let total = MANIFEST_FIXED_HEADER + json.length + MANIFEST_TRAILER;
  directory.parts.forEach((part, i) => {
    if (prefixes[i]!.length !== part.prefixLength)
      throw new RangeError(`part ${part.name}: the prefix is ${prefixes[i]!.length} bytes, the directory says ${part.prefixLength}`);
    total += part.prefixLength;
  });
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MANIFEST_MAGIC, 0);
  view.setUint32(8, MANIFEST_VERSION, true);
  view.setUint32(12, json.length, true);
  bytes.set(json, MANIFEST_FIXED_HEADER);
  let at = MANIFEST_FIXED_HEADER + json.length;
  for (const prefix of prefixes) {
    bytes.set(prefix, at);
    at += prefix.length;
  }
  view.setBigUint64(at, xxh64(bytes.subarray(0, at)), true);
  return bytes;
}

function fail(kind: ConstructorParameters<typeof IndexFormatError>[0], message: string): never {
  throw new IndexFormatError(kind, 'manifest', message);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks a directory entry's shape and invariants; `error` builds what to throw. */
function validatePart(part: unknown, where: string, error: (message: string) => Error): asserts part is ManifestPart {
  if (typeof part !== 'object' || part === null) throw error(`${where} is not an object`);
  const p = part as Record<string, unknown>;
  if (typeof p.name !== 'string' || !/^[^/]+\.idx$/.test(p.name)) throw error(`${where}: name must be a file name ending in .idx`);
  if (!isNonNegativeInteger(p.entries) || p.entries < 1) throw error(`${where}: entries must be a positive integer`);
  if (typeof p.minKey !== 'string' || typeof p.maxKey !== 'string') throw error(`${where}: minKey and maxKey must be strings`);
  if (compareKeys(p.minKey, p.maxKey) > 0) throw error(`${where}: minKey sorts after maxKey`);
  if (!isNonNegativeInteger(p.prefixLength) || p.prefixLength < 96) throw error(`${where}: prefixLength must be an integer ≥ 96`);
  if (!isNonNegativeInteger(p.bytes) || p.bytes < p.prefixLength) throw error(`${where}: bytes must be an integer ≥ prefixLength`);
  if (typeof p.createdAt !== 'string' || typeof p.builder !== 'string') throw error(`${where}: createdAt and builder must be strings`);
  if (!Array.isArray(p.objects) || p.objects.length === 0) throw error(`${where}: objects must be a non-empty array`);
  p.objects.forEach((o: unknown, i) => {
    const object = o as Record<string, unknown> | null;
    if (
      typeof object !== 'object' ||
      object === null ||
      typeof object.key !== 'string' ||
      typeof object.etag !== 'string' ||
      !isNonNegativeInteger(object.size)
    ) {
      throw error(`${where}: objects[${i}] must be { key, etag, size }`);
    }
  });
}

/**
 * Decodes and verifies a manifest. Throws IndexFormatError (section 'manifest') on a wrong magic, an unknown
 * version, truncation, trailing bytes, a checksum mismatch or a directory that does not describe the bytes.
 */
export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < 8) fail('truncated', `${bytes.length} bytes, too short for the magic`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== MANIFEST_MAGIC[i]) fail('bad-magic', 'does not start with "S3LSMAN\\n": not an index manifest');
  if (bytes.length < MANIFEST_FIXED_HEADER + MANIFEST_TRAILER) fail('truncated', `${bytes.length} bytes, shorter than an empty manifest`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const jsonLength = view.getUint32(12, true);
  const jsonEnd = MANIFEST_FIXED_HEADER + jsonLength;
  if (jsonEnd + MANIFEST_TRAILER > bytes.length) {
    fail(
      'truncated',
      `the directory is ${jsonLength} bytes but only ${bytes.length - MANIFEST_FIXED_HEADER} follow the header (cut off, or the length is damaged)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decoder.decode(bytes.subarray(MANIFEST_FIXED_HEADER, jsonEnd)));
  } catch (error) {
    checksum(bytes, view);
    fail('bad-content', `the directory is not valid JSON (${(error as Error).message})`);
  }
  const directory = parsed as ManifestDirectory;
  let expected = jsonEnd + MANIFEST_TRAILER;
  const partsArray: unknown = typeof directory === 'object' && directory !== null ? directory.parts : undefined;
  if (Array.isArray(partsArray)) for (const part of partsArray) expected += typeof part?.prefixLength === 'number' ? part.prefixLength : 0;
  if (bytes.length < expected) fail('truncated', `${bytes.length} bytes, the directory describes ${expected}`);
  if (bytes.length > expected) {
    checksum(bytes, view);
    fail('bad-layout', `${bytes.length - expected} bytes after the end the directory describes (${expected})`);
  }
  checksum(bytes, view);
  if (version !== MANIFEST_VERSION)
    fail('unsupported-version', `manifest version ${version}; this build reads version ${MANIFEST_VERSION}: update the extension`);
  if (typeof directory !== 'object' || directory === null || directory.version !== MANIFEST_VERSION) fail('bad-content', 'the directory has no "version": 1');
  if (typeof directory.bucket !== 'string') fail('bad-content', 'the directory has no bucket');
  if (!Array.isArray(directory.parts)) fail('bad-content', 'the directory has no parts array');
  const prefixes: Uint8Array[] = [];
  const names = new Set<string>();
  let at = jsonEnd;
  directory.parts.forEach((part, i) => {
    validatePart(part, `parts[${i}]`, (message) => new IndexFormatError('bad-content', 'manifest', message));
    if (names.has(part.name)) fail('bad-content', `part ${part.name} is listed twice`);
    names.add(part.name);
    const prefix = bytes.subarray(at, at + part.prefixLength);
    for (let m = 0; m < 8; m++) if (prefix[m] !== PART_MAGIC[m]) fail('bad-content', `the prefix copy of part ${part.name} does not start with the part magic`);
    prefixes.push(prefix);
    at += part.prefixLength;
  });
  return { directory: { version: MANIFEST_VERSION, bucket: directory.bucket, parts: directory.parts }, prefixes };
}

function checksum(bytes: Uint8Array, view: DataView): void {
  const end = bytes.length - MANIFEST_TRAILER;
  const recorded = view.getBigUint64(end, true);
  const actual = xxh64(bytes.subarray(0, end));
  if (actual !== recorded) {
    fail(
      'checksum-mismatch',
      `the manifest hashes to ${actual.toString(16).padStart(16, '0')}, its trailer records ${recorded.toString(16).padStart(16, '0')} (damaged or cut off)`,
    );
  }
}

/** Indexes of the parts whose key range holds `key`, newest (last appended) first. */
export function candidateParts(manifest: Manifest, key: string): number[] {
  const result: number[] = [];
  const { parts } = manifest.directory;
  for (let i = parts.length - 1; i >= 0; i--) {
    const part = parts[i]!;
    if (compareKeys(part.minKey, key) <= 0 && compareKeys(key, part.maxKey) <= 0) result.push(i);
  }
  return result;
}
