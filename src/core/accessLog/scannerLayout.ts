// The memory layout the WebAssembly access-log scanner and its host share: the scanner
// (wasm/accessLogScanner.ts, compiled by AssemblyScript) imports this file, and so does the host
// (parser.ts), so there is one definition for both. Plain integer constants only: AssemblyScript
// and TypeScript both compile this file, and read `const X = 27` alike (an i32 in the scanner).

/** Fields of a log line the scanner reads (ACCESS_LOG_FIELDS in parser.ts). */
export const FIELD_COUNT = 27;
/** Bytes of the input area: the largest block one scanBlock call takes. */
export const INPUT_CAPACITY = 256 * 1024;
/** Lines (rows of LINES and NUMBERS) per scanBlock call; a block with more takes more calls. */
export const MAX_LINES = 4096;

/** A row of LINES, in i32: start, end, status, key escapes, then two per field (start, end; start -1 for null). */
export const LINE_START = 0;
export const LINE_END = 1;
export const LINE_STATUS = 2;
/** 1 when the key has a `%`, 2 when it has a `+` (or both): most keys have neither, and need no decoding. */
export const LINE_KEY_ESCAPES = 3;
export const LINE_BOUNDS = 4;
export const LINE_INTS = LINE_BOUNDS + FIELD_COUNT * 2;
/** A row of NUMBERS, in f64: one per field (the time and the number fields). */
export const NUMBER_ROW = FIELD_COUNT;

/** A line's status in its row. */
export const VALID = 0;
export const MALFORMED = 1;
export const BLANK = 2;
/** A line the JavaScript scanner reads (a shape too rare to be worth scanning in WebAssembly). */
export const DEFER = 3;
