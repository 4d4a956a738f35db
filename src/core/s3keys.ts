// Object keys as S3 writes them into its reports, and as clients write them into request paths.
//
// S3 writes keys with a form-style URL encoding (Java's URLEncoder, with `/` kept): letters,
// digits, `-`, `_`, `.`, `*` and `/` stay as they are, a space becomes `+`, every other byte of the
// key's UTF-8 `%XX`. Where that is seen, in the real samples under shared/external/:
// - a BATCH.DELETE.OBJECT line (Elastic's fixture) logs "Screen Shot 2019-09-09 at 9.08.44 AM.png"
//   as `Screen+Shot+2019-09-09+at+9.08.44+AM.png`: a space is `+`;
// - NCBI's production lines log the key `SRR9154112/*.fastq*` (request path `%2A.fastq%2A`) with a
//   literal `*`, and a `/` that a client sent as `%2F` as a literal `/`;
// - the same logs write `indexN703%253DDropSeq` where the request path has `indexN703%3DDropSeq`:
//   in access logs the key of a REST.* (and WEBSITE.*) request is encoded twice (Yelp's engineering
//   blog, 2025-09-26, "S3 server access logs at scale"), the key of BATCH.DELETE.OBJECT and
//   S3.EXPIRE.OBJECT (S3's internal operations) once;
// - S3 Inventory CSV reports URL-encode keys (AWS's documentation), decoded in AWS's own Athena
//   examples with url_decode, which reads `+` as a space.
// So one decoder serves every source: `+` is a space, `%XX` a byte. Decoding twice what was encoded
// twice gives the key back whichever way the first pass wrote a space (`+`, or `%20` as some
// clients do); what differs between sources is only how many passes there were.

/** Bytes S3 leaves as they are: A-Z a-z 0-9 - _ . * and the `/` separator. */
const S3_PLAIN = /^[A-Za-z0-9\-_.*/]*$/;
const HEX_DIGITS = '0123456789ABCDEF';

/** One pass of S3's key encoding (see the header): `a b+c` → `a+b%2Bc`. */
export function encodeS3Key(key: string): string {
  if (S3_PLAIN.test(key)) return key;
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    if (byte === 0x20) out += '+';
    else if (
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      byte === 0x2d ||
      byte === 0x5f ||
      byte === 0x2e ||
      byte === 0x2a ||
      byte === 0x2f
    )
      out += String.fromCharCode(byte);
    else out += `%${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 15]}`;
  }
  return out;
}

/**
 * How many times S3 URL-encodes the key field of an access-log line of this operation: twice for
 * requests (`REST.*`, `WEBSITE.*`), once for S3's own work (`S3.*`: lifecycle, restores, …) and
 * the per-key lines of a multi-object delete (`BATCH.DELETE.OBJECT`).
 */
export function logKeyEncodings(operation: string): 1 | 2 {
  return operation.startsWith('REST.') || operation.startsWith('WEBSITE.') ? 2 : 1;
}

/** The key field S3 writes in an access-log line of this operation. */
export function encodeLogKey(key: string, operation: string): string {
  const once = encodeS3Key(key);
  return logKeyEncodings(operation) === 2 ? encodeS3Key(once) : once;
}

/** One pass of decoding: `+` is a space, `%XX` a byte of UTF-8. Throws on a malformed escape or bytes that are not UTF-8. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** The key of an access-log line's key field, decoded as many times as S3 encoded it; undefined when that is not valid encoding. */
export function decodeLogKey(field: string, operation: string): string | undefined {
  try {
    const once = decodeS3Key(field);
    return logKeyEncodings(operation) === 2 ? decodeS3Key(once) : once;
  } catch {
    return undefined;
  }
}

/** RFC 3986 percent-encoding (what SigV4 calls UriEncode): all but A-Z a-z 0-9 - . _ ~ escaped. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A key as a client writes it in a request path (and SigV4 signs it for S3): each segment
 * RFC 3986-encoded, the slashes kept; a space is `%20` and `+` is `%2B`.
 */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(uriEncode).join('/');
}

/**
 * The object a request URI names, as S3 reads its path (`+` is a space there too): for
 * `GET /bucket/a%20b?versionId=1 HTTP/1.1` the path below `/`, decoded once. Undefined when the URI
 * has no path or it is not valid encoding. Path-style requests include the bucket as the first
 * segment: the caller compares with both forms.
 */
export function requestUriPath(requestUri: string): string | undefined {
  const space = requestUri.indexOf(' ');
  if (space < 0) return undefined;
  let target = requestUri.slice(space + 1);
  const version = target.lastIndexOf(' HTTP/');
  if (version >= 0) target = target.slice(0, version);
  // An absolute-form request target: `GET https://host/key HTTP/1.1`.
  const scheme = /^https?:\/\/[^/]*/i.exec(target);
  if (scheme) target = target.slice(scheme[0].length);
  const query = target.indexOf('?');
  if (query >= 0) target = target.slice(0, query);
  if (!target.startsWith('/')) return undefined;
  try {
    return decodeS3Key(target.slice(1));
  } catch {
    return undefined;
  }
}

/**
 * Whether a request URI names `key` (virtual-hosted `/key` or path-style `/bucket/key`). Undefined
 * when the URI cannot say: no path, or not valid encoding.
 */
export function requestUriNamesKey(requestUri: string, bucket: string | null, key: string): boolean | undefined {
  const path = requestUriPath(requestUri);
  if (path === undefined) return undefined;
  return path === key || (bucket !== null && path === `${bucket}/${key}`);
}

/**
 * Compares two keys in UTF-8 binary order, the order S3 keeps its key index in ("Object keys are
 * stored in UTF-8 binary ordering across multiple partitions in the index", AWS's former "Request
 * Rate and Performance Considerations") and lists keys in. JavaScript's `<` compares UTF-16 code
 * units, which differs from it only where a character above U+FFFF (a surrogate pair) meets one in
 * U+E000–U+FFFF: code points order as UTF-8 bytes do, so compare those.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800–DFFF) move above E000–FFFF; the rest keep their order.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}
