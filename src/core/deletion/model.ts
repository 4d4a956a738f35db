// The lifecycle deletion, one byte per object. An object's state moves only forward through what S3
// Lifecycle does to it, as its server access logs record it (AWS, "Lifecycle and logging"; the real
// `S3.EXPIRE.OBJECT` lines in ../shared/external carry the expired version's id):
//
//   present ──S3.CREATE.DELETEMARKER──▶ delete-marked ──S3.EXPIRE.OBJECT (a version)──▶ noncurrent expired
//      │                                                                               │
//      │ S3.EXPIRE.OBJECT with no version id (an unversioned bucket)                    │ S3.EXPIRE.OBJECT (the marker)
//      └────────────────────────────────────────────▶ gone ◀───────────────────────────┘
//
// and S3.TRANSITION_* moves a present object to another storage class (its own colour). Every other
// pairing of a state and an event is an anomaly: counted by kind, never applied in a way that
// crashes, and shown. The SQL (`grouped_events`) tells a version's expiry from a marker's by
// whether the version id is one a `S3.CREATE.DELETEMARKER` line created.

/** An object's state: one byte. */
export const ObjectState = {
  present: 0,
  transitioned: 1,
  deleteMarked: 2,
  noncurrentExpired: 3,
  gone: 4,
} as const;
export type ObjectState = (typeof ObjectState)[keyof typeof ObjectState];
export const STATE_COUNT = 5;
export const STATE_NAMES = ['present', 'transitioned', 'deleteMarked', 'noncurrentExpired', 'gone'] as const satisfies readonly string[];
export type StateName = (typeof STATE_NAMES)[number];

/** What one lifecycle log line did, as `grouped_events` classifies it (its `kind` column). */
export const EventKind = {
  /** S3.CREATE.DELETEMARKER: the current version expired in a versioned bucket. */
  deleteMarker: 0,
  /** S3.EXPIRE.OBJECT on a version that is not a lifecycle delete marker (NoncurrentVersionExpiration). */
  expireVersion: 1,
  /** S3.EXPIRE.OBJECT on the delete marker an earlier S3.CREATE.DELETEMARKER created (ExpiredObjectDeleteMarker). */
  expireMarker: 2,
  /** S3.EXPIRE.OBJECT with no version id: an unversioned bucket's object deleted at once. */
  expireObject: 3,
  /** S3.TRANSITION_*.OBJECT: moved to another storage class. */
  transition: 4,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];
export const EVENT_KIND_COUNT = 5;
export const EVENT_KIND_NAMES = ['delete_marker', 'expire_version', 'expire_marker', 'expire_object', 'transition'] as const satisfies readonly string[];
export type EventKindName = (typeof EVENT_KIND_NAMES)[number];

export function eventKindFromName(name: string): EventKind | undefined {
  const index = (EVENT_KIND_NAMES as readonly string[]).indexOf(name);
  return index < 0 ? undefined : (index as EventKind);
}

/**
 * TRANSITIONS[state * EVENT_KIND_COUNT + kind]: the next state, or ANOMALY_BIT | the state kept.
 * An anomaly never moves an object backwards; an out-of-order marker removal (before any version
 * expired) does move it to gone, since the marker going means S3 considers it gone.
 */
export const ANOMALY_BIT = 0x80;
const A = ANOMALY_BIT;
const { present: P, transitioned: T, deleteMarked: D, noncurrentExpired: N, gone: G } = ObjectState;
// prettier-ignore
export const TRANSITIONS = Uint8Array.from([
  //          deleteMarker expireVersion expireMarker expireObject transition
  /* present      */ D,    P,            A | G,       G,           T,
  /* transitioned */ D,    T,            A | G,       G,           T,
  /* deleteMarked */ A | D, N,           A | G,       A | D,       A | D,
  /* noncurrent   */ A | N, N,           G,           A | N,       A | N,
  /* gone         */ A | G, A | G,       A | G,       A | G,       A | G,
]);

/** The anomaly counters: one per (state, event kind) pairing that should not happen. */
export type AnomalyCounts = Uint32Array; // length STATE_COUNT * EVENT_KIND_COUNT

export function describeAnomaly(state: ObjectState, kind: EventKind): string {
  return `${EVENT_KIND_NAMES[kind]} on a ${STATE_NAMES[state]} object`;
}

/** One frame's worth of events: everything in one time bucket, already mapped to object ordinals. */
export interface EventBatch {
  /** The time bucket's start (ms since the epoch, UTC). */
  bucketStart: number;
  kinds: Uint8Array;
  /** The object's ordinal: its position in key order among the snapshot's keys (segment offset + index within the segment). */
  objects: Uint32Array;
  /** How many entries of `kinds` / `objects` are in use. */
  length: number;
}

/** Segments in key order, as `ordered_segment_intervals` gives them. */
export interface SegmentInterval {
  segment: number;
  prefix: string;
  keys: number;
  /** The first object ordinal of the segment. */
  first: number;
  /** The segment's first and last keys (for hovering). */
  firstKey?: string;
  lastKey?: string;
}

/** The ways the objects are laid out on the image. */
export type LayoutName = 'hilbert' | 'rows';
export const LAYOUT_NAMES: readonly LayoutName[] = ['hilbert', 'rows'];

/** One frame, as the GIF and the player need it: the rectangle that changed since the previous frame. */
export interface FramePatch {
  /** 0 for the first frame. */
  index: number;
  /** The time bucket's start (ms since the epoch, UTC). */
  bucketStart: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** width × height palette indices, row by row; TRANSPARENT_INDEX where the pixel did not change. Empty when nothing changed. */
  pixels: Uint8Array;
  /** Objects per state after this frame (STATE_NAMES order). */
  counts: number[];
  /** Anomalies so far (all kinds). */
  anomalies: number;
  /** Events applied in this frame. */
  events: number;
}

/** The palette index a GIF frame uses for "unchanged". */
export const TRANSPARENT_INDEX = 255;

/** What a pixel covers, for hovering: a run of object ordinals (empty when it is background). */
export interface PixelObjects {
  firstObject: number;
  /** Exclusive. */
  endObject: number;
}

/** An anomaly kind and how often it happened: what the report, the CLI and the player show. */
export interface DeletionAnomaly {
  state: StateName;
  kind: EventKindName;
  count: number;
  description: string;
}

/** What a pixel covers, as a hover shows it: its segment prefix and key range. */
export interface PixelDescription {
  segmentPrefix: string;
  firstKey: string;
  lastKey: string;
  objects: number;
}
