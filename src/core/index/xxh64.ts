// XXH64 (seed 0 unless given) for the index format: the Bloom filter's hash and every section checksum.
// Backed by the npm package `xxhash-wasm` (a well-kept WebAssembly build of the reference algorithm); the
// wasm module is instantiated once by `initXxh64()`, after which every function here is synchronous.

import type { XXHashAPI } from 'xxhash-wasm' with { 'resolution-mode': 'import' };

// The package is an ES module with a CommonJS build; a dynamic import lets this CommonJS code load it
// under tsc (tests) and lets esbuild bundle it into dist/extension.js and dist/cli.js.
type XxhashApi = XXHashAPI;

let api: XxhashApi | undefined;
let loading: Promise<void> | undefined;

/** Scratch for splitting a 64-bit hash into two u32 halves without allocating (index 0 = low, 1 = high on little-endian hosts). */
const split64 = new BigUint64Array(1);
const split32 = new Uint32Array(split64.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW = LITTLE_ENDIAN_HOST ? 0 : 1;
const HIGH = LITTLE_ENDIAN_HOST ? 1 : 0;

/**
 * Instantiates the wasm hasher once; later calls return the same promise. Every other function in this
 * module throws until it has resolved, so an entry point awaits it before building or looking up.
 */
export function initXxh64(): Promise<void> {
  loading ??= import('xxhash-wasm')
    .then((module) => module.default())
    .then((loaded) => {
      api = loaded;
    });
  return loading;
}

/** Whether `initXxh64()` has completed (the synchronous functions can be called). */
export function xxh64Ready(): boolean {
  return api !== undefined;
}

function hasher(): XxhashApi {
  if (!api) throw new Error('XXH64 is not initialised: await initXxh64() before hashing');
  return api;
}

/** XXH64 of raw bytes, as an unsigned 64-bit bigint. */
export function xxh64(bytes: Uint8Array, seed: bigint = 0n): bigint {
  return hasher().h64Raw(bytes, seed);
}

/** XXH64 of a string's UTF-8 bytes (no intermediate byte array: the library encodes straight into wasm memory). */
export function xxh64String(text: string, seed: bigint = 0n): bigint {
  return hasher().h64(text, seed);
}

/** A 64-bit hash as 16 lower-case hex digits (the form used in object names such as the ledger's). */
export function hex64(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

/** XXH64 of a string's UTF-8 bytes as 16 hex digits. */
export function xxh64Hex(text: string): string {
  return hex64(xxh64String(text));
}

/** The low 32 bits of a 64-bit hash, without allocating. */
export function low32(hash: bigint): number {
  split64[0] = hash;
  return split32[LOW]!;
}

/** The high 32 bits of a 64-bit hash, without allocating. */
export function high32(hash: bigint): number {
  split64[0] = hash;
  return split32[HIGH]!;
}

/**
 * Many string keys at once: hashes `keys[i]` (UTF-8) into `out[2i]` (low 32 bits) and `out[2i + 1]` (high 32 bits),
 * the layout SplitBlockBloom.insertPairs reads. One bigint per key is all that is allocated (the wasm boundary
 * returns i64 as bigint). The part writer hashes key bytes it has just written instead (sequential memory).
 */
export function xxh64Keys(keys: readonly string[], out: Uint32Array, start = 0, end = keys.length): void {
  const h64 = hasher().h64;
  if (out.length < 2 * end) throw new RangeError(`xxh64Keys: output holds ${out.length / 2} hashes, ${end} needed`);
  for (let i = start; i < end; i++) {
    split64[0] = h64(keys[i]!, 0n);
    out[2 * i] = split32[LOW]!;
    out[2 * i + 1] = split32[HIGH]!;
  }
}
