// The one error type of the index format's decoders: what is wrong, in which section, said plainly so a lookup
// can report "part X is corrupt: …" and fall back instead of answering wrongly.

/** What kind of damage a decoder found. */
export type IndexFormatErrorKind =
  /** Fewer bytes than the header or a section says there are. */
  | 'truncated'
  /** The first bytes are not the format's magic: not one of our files. */
  | 'bad-magic'
  /** A format version (or flags) this code does not read. */
  | 'unsupported-version'
  /** Lengths/offsets/counts that contradict each other or the format. */
  | 'bad-layout'
  /** A section's bytes do not hash to the XXH64 the file records. */
  | 'checksum-mismatch'
  /** Bytes that hash right but do not decode (bad UTF-8, keys out of order, an index out of range, bad JSON). */
  | 'bad-content';

/** The section of a part or manifest an error is about. */
export type IndexSection = 'header' | 'bloom' | 'fences' | 'entries' | 'objects' | 'manifest';

/** A part or manifest that cannot be trusted. Never thrown for a merely absent key. */
export class IndexFormatError extends Error {
  override readonly name = 'IndexFormatError';
  constructor(
    readonly kind: IndexFormatErrorKind,
    readonly section: IndexSection,
    message: string,
  ) {
    super(`${section}: ${message}`);
  }
}

/** Whether `error` is an IndexFormatError (also across bundle copies, by name and shape). */
export function isIndexFormatError(error: unknown): error is IndexFormatError {
  return error instanceof IndexFormatError || (error instanceof Error && error.name === 'IndexFormatError' && 'kind' in error && 'section' in error);
}
