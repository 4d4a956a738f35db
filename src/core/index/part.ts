// An index part (`<partId>.idx`, docs/index-format.md §Part): a 96-byte header, the Bloom filter, fence pointers,
// sorted entries cut into blocks of k, and the table of data objects the entries point into. Everything a lookup
// needs before the entries (the "lookup prefix") is one contiguous range; each entry block carries its own XXH64
// in its fence, so one ranged read of a block is verified on its own. All integers little-endian.
// This module gathers the part format's three files: its shapes (partFormat.ts), the writer and the reader.

export * from './partFormat';
export * from './partWriter';
export * from './partReader';
