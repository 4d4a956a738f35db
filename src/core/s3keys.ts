// URL-encoding of object keys as S3 writes them in inventory CSVs and server access logs, and the
// decoding that Athena's url_decode (Java's URLDecoder) and DuckDB's url_decode apply.

const PLAIN = /^[A-Za-z0-9\-_.~/]*$/;

/**
 * Encodes a key: every byte outside the unreserved set as %XX (UTF-8), except `/` which stays literal.
 * A space becomes %20 and `+` becomes %2B, so both form decoders (which read `+` as a space) and
 * percent decoders give the key back.
 */
export function encodeKey(key: string): string {
  if (PLAIN.test(key)) return key;
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes an encoded key. Like URLDecoder, `+` is a space; a malformed escape throws. */
export function decodeKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}
