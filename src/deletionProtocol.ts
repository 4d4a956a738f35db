// The deletion player's part of the lifecycle panel's protocol (src/panelProtocol.ts composes it):
// what the host streams while it reads a deletion (its start, the frames' counts in batches, the
// partitions' progress, its end), what the webview asks for (a frame, a pixel's objects, a GIF), and
// the checks of both directions. Pixels cross as base64 (at most one image's worth) and are checked
// against the session's image size and palette before they are drawn. Imported by host and webview.

import {
  EVENT_KIND_NAMES,
  STATE_COUNT,
  STATE_NAMES,
  TRANSPARENT_INDEX,
  LAYOUT_NAMES,
  type DeletionAnomaly,
  type LayoutName,
  type PixelDescription,
} from './core/deletion/model';
import type { FrameRegion } from './core/deletion/frameStore';
import { hasOnlyKeys, isAmount, isCount, isId, isOneOf, isRecord, isStringList } from './webviewKit/guards';

export type { FrameRegion };

// ---- Bounds on what an untrusted side can make the other hold ------------------------------

/** The largest image side the player takes (the setting's maximum). */
export const MAX_IMAGE_SIDE = 2048;
/** More frames than this are refused before reading: a coarser granularity says the same. */
export const MAX_PLAYER_FRAMES = 200_000;
/** Frame summaries per `deletionFrames` message. */
export const MAX_SUMMARIES_PER_MESSAGE = 4096;
export const MAX_PARTITIONS = 4096;
const MAX_NOTES = 100;
const MAX_PALETTE_COLOURS = 255;
/** A key prefix is at most an S3 key: 1,024 bytes of UTF-8, so at most 1,024 UTF-16 units. */
const MAX_PREFIX_LENGTH = 1024;
/** The slowest and fastest GIF frame delays offered. */
export const MIN_FRAME_DELAY_MS = 10;
export const MAX_FRAME_DELAY_MS = 10_000;

export type DeletionOutcome = 'complete' | 'cancelled' | 'failed';
export const DELETION_OUTCOMES: readonly DeletionOutcome[] = ['complete', 'cancelled', 'failed'];
export type PhaseKind = 'delete_marker' | 'expire_version' | 'expire_marker' | 'expire_object';
export const PHASE_KINDS: readonly PhaseKind[] = ['delete_marker', 'expire_version', 'expire_marker', 'expire_object'];
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

// ---- Shared values -------------------------------------------------------------------------

export interface PhaseView {
  kind: PhaseKind;
  done: number;
  total: number;
  ratePerHour?: number;
  estimatedEnd?: number;
}

/** A key range S3 deletes as a unit, and how far it is. */
export interface PartitionView {
  index: number;
  firstObject: number;
  endObject: number;
  objects: number;
  phases: PhaseView[];
  finished: boolean;
  estimatedEnd?: number;
  firstKey?: string;
  lastKey?: string;
}

/** How far the deletion is and when it should end (times in ms since the epoch, UTC). */
export interface ProgressView {
  partitions: PartitionView[];
  complete: boolean;
  firstEvent?: number;
  lastEvent?: number;
  estimatedEnd?: { time: number; low: number; high: number };
  notes: string[];
}

export type { PixelDescription };
/** An anomaly as the player lists it. */
export type AnomalyView = DeletionAnomaly;

/** A frame as it crosses to the webview: `pixels` is base64 of width × height palette indices. */
export interface FrameRegionWire {
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
  pixels: string;
  full: boolean;
}

export interface ProgressAtFrame {
  /** The frame the progress is of (at or before the one asked for). */
  frame: number;
  progress: ProgressView;
}

export interface GifExportResult {
  path: string;
  frames: number;
  bytes: number;
}

/** User-facing strings of the player (part of `PanelStrings`); `{0}` … are placeholders. */
export interface DeletionStrings {
  deletionHeading: string;
  /** `Lifecycle deletion of s3://{0}`: {0} the bucket, or bucket/prefix */
  deletionHeadingOf: string;
  playDeletion: string;
  deletionIntro: string;
  /** `Reading the inventory and the access logs of s3://{0}…` */
  deletionPreparing: string;
  /** `Reading frame {0} of {1}…` */
  deletionReading: string;
  deletionStop: string;
  /** `s3://{0}: one pixel per object, {1} objects` */
  deletionCanvasLabel: string;
  deletionKeyboardHelp: string;
  deletionControls: string;
  deletionPlay: string;
  deletionPause: string;
  deletionStepBack: string;
  deletionStepForward: string;
  deletionFirstFrame: string;
  deletionLastFrame: string;
  deletionFrameSlider: string;
  /** `Frame {0} of {1}, {2}` (number, total, time). */
  deletionFrameValue: string;
  /** `{0} / {1}` */
  deletionFrameCounter: string;
  deletionSpeed: string;
  /** `{0} frames/s` */
  deletionSpeedValue: string;
  deletionLoop: string;
  deletionExportGif: string;
  /** `Saved {0} ({1} frames, {2})` */
  deletionExported: string;
  deletionLegend: string;
  deletionStateColumn: string;
  deletionCountColumn: string;
  deletionShareColumn: string;
  statePresent: string;
  stateTransitioned: string;
  stateDeleteMarked: string;
  stateNoncurrentExpired: string;
  stateGone: string;
  /** `{0}: {1}` (state, count) for the announcement of a frame's counts. */
  deletionStateCount: string;
  /** `Frame {0}, {1}: {2}` (number, time, counts). */
  deletionCountsAnnouncement: string;
  deletionChartLabel: string;
  /** `Events in this frame: {0}` */
  deletionEvents: string;
  deletionPartitions: string;
  /** `Partition {0}` */
  deletionPartition: string;
  /** `objects {0} to {1}` */
  deletionPartitionObjects: string;
  /** `{0}% deleted` */
  deletionPartitionDone: string;
  deletionPartitionFinished: string;
  phaseDeleteMarker: string;
  phaseExpireVersion: string;
  phaseExpireMarker: string;
  phaseExpireObject: string;
  /** `{0} {1}% ({2}/h)` (phase, share done, rate). */
  deletionPhaseValue: string;
  /** The label of the time the partitions and the estimate are as of. */
  deletionProgressAsOf: string;
  deletionEstimatedEnd: string;
  /** `{0} (between {1} and {2})` */
  deletionEstimatedEndValue: string;
  deletionComplete: string;
  deletionEndUnknown: string;
  deletionAnomalies: string;
  deletionNoAnomalies: string;
  /** `{0} × {1}` (count, description). */
  deletionAnomalyValue: string;
  deletionHoverLooking: string;
  deletionHoverNone: string;
  deletionHoverNotReady: string;
  deletionHoverSegment: string;
  deletionHoverKeys: string;
  deletionHoverObjects: string;
  deletionCancelled: string;
  /** `The deletion could not be read: {0}` */
  deletionFailed: string;
  deletionNotes: string;
}

export const DELETION_STRING_KEYS: Record<keyof DeletionStrings, true> = {
  deletionHeading: true,
  deletionHeadingOf: true,
  playDeletion: true,
  deletionIntro: true,
  deletionPreparing: true,
  deletionReading: true,
  deletionStop: true,
  deletionCanvasLabel: true,
  deletionKeyboardHelp: true,
  deletionControls: true,
  deletionPlay: true,
  deletionPause: true,
  deletionStepBack: true,
  deletionStepForward: true,
  deletionFirstFrame: true,
  deletionLastFrame: true,
  deletionFrameSlider: true,
  deletionFrameValue: true,
  deletionFrameCounter: true,
  deletionSpeed: true,
  deletionSpeedValue: true,
  deletionLoop: true,
  deletionExportGif: true,
  deletionExported: true,
  deletionLegend: true,
  deletionStateColumn: true,
  deletionCountColumn: true,
  deletionShareColumn: true,
  statePresent: true,
  stateTransitioned: true,
  stateDeleteMarked: true,
  stateNoncurrentExpired: true,
  stateGone: true,
  deletionStateCount: true,
  deletionCountsAnnouncement: true,
  deletionChartLabel: true,
  deletionEvents: true,
  deletionPartitions: true,
  deletionPartition: true,
  deletionPartitionObjects: true,
  deletionPartitionDone: true,
  deletionPartitionFinished: true,
  phaseDeleteMarker: true,
  phaseExpireVersion: true,
  phaseExpireMarker: true,
  phaseExpireObject: true,
  deletionPhaseValue: true,
  deletionProgressAsOf: true,
  deletionEstimatedEnd: true,
  deletionEstimatedEndValue: true,
  deletionComplete: true,
  deletionEndUnknown: true,
  deletionAnomalies: true,
  deletionNoAnomalies: true,
  deletionAnomalyValue: true,
  deletionHoverLooking: true,
  deletionHoverNone: true,
  deletionHoverNotReady: true,
  deletionHoverSegment: true,
  deletionHoverKeys: true,
  deletionHoverObjects: true,
  deletionCancelled: true,
  deletionFailed: true,
  deletionNotes: true,
};

// ---- Requests the webview makes of the host -------------------------------------------------

export interface DeletionRequests {
  /** The region that takes the webview's image from frame `base` (-1: none shown) to frame `index`. */
  deletionFrame: { params: { session: number; index: number; base: number }; result: FrameRegionWire };
  /** The progress (partitions, estimated end) as the reading knew it after frame `index`: the nearest kept at or before it. */
  deletionProgress: { params: { session: number; index: number }; result: ProgressAtFrame };
  /** What pixel (x, y) of the image covers; null for the background. */
  describeDeletionPixel: { params: { session: number; x: number; y: number }; result: PixelDescription | null };
  /** Asks where, and writes the frames read as a GIF; null when the user cancelled the dialog. */
  exportDeletionGif: { params: { session: number; frameDelayMs: number }; result: GifExportResult | null };
  /** Runs "Play Lifecycle Deletion…" (the host asks what it needs). */
  playDeletion: { params: Record<string, never>; result: null };
  /** Stops reading the deletion; the frames read so far stay. */
  cancelDeletion: { params: { session: number }; result: null };
}

// ---- Host → webview -------------------------------------------------------------------------

/** A deletion is being read: the queries run before the first frame. */
export interface DeletionPreparingMessage {
  type: 'deletionPreparing';
  session: number;
  bucket: string;
  /** Only the objects whose keys start with this (absent: the whole bucket). */
  prefix?: string;
}

/** The image's size and colours, and how many frames to expect. */
export interface DeletionStartMessage {
  type: 'deletionStart';
  session: number;
  bucket: string;
  /** Only the objects whose keys start with this (absent: the whole bucket). */
  prefix?: string;
  width: number;
  height: number;
  /** The frames' palette, flat: r, g, b per colour (index 255 is never a colour: it is "unchanged"). */
  palette: number[];
  /** Each state's colour in the legend and the chart, flat r, g, b in STATE_NAMES order. */
  stateColours: number[];
  objects: number;
  frames: number;
  firstBucket: number;
  granularity: Granularity;
  layout: LayoutName;
  /** Sent again to a panel that reloaded or reopened: the frame it last asked for, to come back to (paused). */
  resumeFrame?: number;
}

/** Frames read since the last batch: their times and counts (not their pixels: those are asked for). */
export interface DeletionFramesMessage {
  type: 'deletionFrames';
  session: number;
  /** The index of the first frame in this batch. */
  first: number;
  bucketStarts: number[];
  /** STATE_COUNT counts per frame, flat. */
  counts: number[];
  events: number[];
  /** Anomalies so far, per frame. */
  anomalies: number[];
  /** The progress after the batch's last frame. */
  progress?: ProgressView;
}

/** The reading ended: complete, stopped by the user, or failed (with why). */
export interface DeletionEndMessage {
  type: 'deletionEnd';
  session: number;
  outcome: DeletionOutcome;
  /** Why it failed. */
  message?: string;
  frames: number;
  anomalies: AnomalyView[];
  progress?: ProgressView;
  /** Hovering and GIF export are answered (the reading completed). */
  complete: boolean;
}

export type DeletionEventMessage = DeletionPreparingMessage | DeletionStartMessage | DeletionFramesMessage | DeletionEndMessage;

// ---- Validation: webview → host -------------------------------------------------------------

function isIndex(value: unknown, below: number): value is number {
  return isCount(value) && value < below;
}

function isSession(value: unknown): value is number {
  return isId(value);
}

export const DELETION_PARAMS: { [M in keyof DeletionRequests]: (params: unknown) => DeletionRequests[M]['params'] | undefined } = {
  deletionFrame: (params) => {
    if (!isRecord(params) || !hasOnlyKeys(params, ['session', 'index', 'base'])) return undefined;
    const { session, index, base } = params;
    if (!isSession(session) || !isIndex(index, MAX_PLAYER_FRAMES)) return undefined;
    if (typeof base !== 'number' || !Number.isSafeInteger(base) || base < -1 || base >= MAX_PLAYER_FRAMES) return undefined;
    return { session, index, base };
  },
  deletionProgress: (params) => {
    if (!isRecord(params) || !hasOnlyKeys(params, ['session', 'index'])) return undefined;
    const { session, index } = params;
    return isSession(session) && isIndex(index, MAX_PLAYER_FRAMES) ? { session, index } : undefined;
  },
  describeDeletionPixel: (params) => {
    if (!isRecord(params) || !hasOnlyKeys(params, ['session', 'x', 'y'])) return undefined;
    const { session, x, y } = params;
    return isSession(session) && isIndex(x, MAX_IMAGE_SIDE) && isIndex(y, MAX_IMAGE_SIDE) ? { session, x, y } : undefined;
  },
  exportDeletionGif: (params) => {
    if (!isRecord(params) || !hasOnlyKeys(params, ['session', 'frameDelayMs'])) return undefined;
    const { session, frameDelayMs } = params;
    if (!isSession(session) || !isCount(frameDelayMs) || frameDelayMs < MIN_FRAME_DELAY_MS || frameDelayMs > MAX_FRAME_DELAY_MS) return undefined;
    return { session, frameDelayMs };
  },
  playDeletion: (params) => (params === undefined || (isRecord(params) && Object.keys(params).length === 0) ? {} : undefined),
  cancelDeletion: (params) => (isRecord(params) && hasOnlyKeys(params, ['session']) && isSession(params.session) ? { session: params.session } : undefined),
};

// ---- Validation: host → webview -------------------------------------------------------------

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isColourList(value: unknown, minColours: number, maxColours: number): value is number[] {
  return (
    Array.isArray(value) &&
    value.length % 3 === 0 &&
    value.length >= minColours * 3 &&
    value.length <= maxColours * 3 &&
    value.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)
  );
}

function optionalTime(value: unknown): value is number | undefined {
  return value === undefined || isTime(value);
}

function parsePhase(raw: unknown): PhaseView | undefined {
  if (!isRecord(raw) || !isOneOf(raw.kind, PHASE_KINDS) || !isCount(raw.done) || !isCount(raw.total)) return undefined;
  if ((raw.ratePerHour !== undefined && !isAmount(raw.ratePerHour)) || !optionalTime(raw.estimatedEnd)) return undefined;
  const phase: PhaseView = { kind: raw.kind, done: raw.done, total: raw.total };
  if (raw.ratePerHour !== undefined) phase.ratePerHour = raw.ratePerHour;
  if (raw.estimatedEnd !== undefined) phase.estimatedEnd = raw.estimatedEnd;
  return phase;
}

function parsePartition(raw: unknown): PartitionView | undefined {
  if (!isRecord(raw)) return undefined;
  const { index, firstObject, endObject, objects, phases, finished, estimatedEnd, firstKey, lastKey } = raw;
  if (!isCount(index) || !isCount(firstObject) || !isCount(endObject) || !isCount(objects) || typeof finished !== 'boolean') return undefined;
  if (endObject < firstObject || !Array.isArray(phases) || phases.length > PHASE_KINDS.length || !optionalTime(estimatedEnd)) return undefined;
  if ((firstKey !== undefined && typeof firstKey !== 'string') || (lastKey !== undefined && typeof lastKey !== 'string')) return undefined;
  const parsed: PhaseView[] = [];
  for (const phase of phases) {
    const view = parsePhase(phase);
    if (!view) return undefined;
    parsed.push(view);
  }
  const partition: PartitionView = { index, firstObject, endObject, objects, phases: parsed, finished };
  if (estimatedEnd !== undefined) partition.estimatedEnd = estimatedEnd;
  if (firstKey !== undefined) partition.firstKey = firstKey;
  if (lastKey !== undefined) partition.lastKey = lastKey;
  return partition;
}

/** A copy of a progress report holding only the known fields, or undefined when anything is malformed. */
export function parseProgressView(raw: unknown): ProgressView | undefined {
  if (!isRecord(raw) || typeof raw.complete !== 'boolean' || !Array.isArray(raw.partitions) || raw.partitions.length > MAX_PARTITIONS) return undefined;
  if (!isStringList(raw.notes) || raw.notes.length > MAX_NOTES || !optionalTime(raw.firstEvent) || !optionalTime(raw.lastEvent)) return undefined;
  const partitions: PartitionView[] = [];
  for (const entry of raw.partitions) {
    const partition = parsePartition(entry);
    if (!partition) return undefined;
    partitions.push(partition);
  }
  const view: ProgressView = { partitions, complete: raw.complete, notes: [...raw.notes] };
  if (raw.firstEvent !== undefined) view.firstEvent = raw.firstEvent;
  if (raw.lastEvent !== undefined) view.lastEvent = raw.lastEvent;
  const end = raw.estimatedEnd;
  if (end !== undefined) {
    if (!isRecord(end) || !isTime(end.time) || !isTime(end.low) || !isTime(end.high) || !(end.low <= end.time && end.time <= end.high)) return undefined;
    view.estimatedEnd = { time: end.time, low: end.low, high: end.high };
  }
  return view;
}

function parseAnomalies(raw: unknown): AnomalyView[] | undefined {
  if (!Array.isArray(raw) || raw.length > STATE_COUNT * EVENT_KIND_NAMES.length) return undefined;
  const anomalies: AnomalyView[] = [];
  for (const entry of raw) {
    if (!isRecord(entry) || !isOneOf(entry.state, STATE_NAMES) || !isOneOf(entry.kind, EVENT_KIND_NAMES)) return undefined;
    if (!isCount(entry.count) || typeof entry.description !== 'string') return undefined;
    anomalies.push({ state: entry.state, kind: entry.kind, count: entry.count, description: entry.description });
  }
  return anomalies;
}

function isOptionalPrefix(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.length <= MAX_PREFIX_LENGTH);
}

function parsePreparing(raw: Record<string, unknown>): DeletionPreparingMessage | undefined {
  if (!isSession(raw.session) || typeof raw.bucket !== 'string' || !isOptionalPrefix(raw.prefix)) return undefined;
  const message: DeletionPreparingMessage = { type: 'deletionPreparing', session: raw.session, bucket: raw.bucket };
  if (raw.prefix !== undefined && raw.prefix !== '') message.prefix = raw.prefix as string;
  return message;
}

function parseStart(raw: Record<string, unknown>): DeletionStartMessage | undefined {
  const { session, bucket, width, height, palette, stateColours, objects, frames, firstBucket, granularity, layout } = raw;
  if (!isSession(session) || typeof bucket !== 'string' || !isCount(objects) || !isTime(firstBucket)) return undefined;
  if (!isIndex(width, MAX_IMAGE_SIDE + 1) || !isIndex(height, MAX_IMAGE_SIDE + 1) || width === 0 || height === 0) return undefined;
  if (!isIndex(frames, MAX_PLAYER_FRAMES + 1) || !isOneOf(granularity, GRANULARITIES) || !isOneOf(layout, LAYOUT_NAMES)) return undefined;
  if (!isColourList(palette, 1, MAX_PALETTE_COLOURS) || !isColourList(stateColours, STATE_COUNT, STATE_COUNT)) return undefined;
  if (raw.resumeFrame !== undefined && !isIndex(raw.resumeFrame, MAX_PLAYER_FRAMES)) return undefined;
  if (!isOptionalPrefix(raw.prefix)) return undefined;
  const start: DeletionStartMessage = {
    type: 'deletionStart',
    session,
    bucket,
    width,
    height,
    palette: [...palette],
    stateColours: [...stateColours],
    objects,
    frames,
    firstBucket,
    granularity,
    layout,
  };
  if (raw.prefix !== undefined && raw.prefix !== '') start.prefix = raw.prefix as string;
  if (raw.resumeFrame !== undefined) start.resumeFrame = raw.resumeFrame;
  return start;
}

function parseFrames(raw: Record<string, unknown>): DeletionFramesMessage | undefined {
  const { session, first, bucketStarts, counts, events, anomalies, progress } = raw;
  if (!isSession(session) || !isIndex(first, MAX_PLAYER_FRAMES) || !Array.isArray(bucketStarts)) return undefined;
  const n = bucketStarts.length;
  if (n === 0 || n > MAX_SUMMARIES_PER_MESSAGE || first + n > MAX_PLAYER_FRAMES || !bucketStarts.every(isTime)) return undefined;
  if (!Array.isArray(counts) || counts.length !== n * STATE_COUNT || !counts.every(isCount)) return undefined;
  if (!Array.isArray(events) || events.length !== n || !events.every(isCount)) return undefined;
  if (!Array.isArray(anomalies) || anomalies.length !== n || !anomalies.every(isCount)) return undefined;
  const message: DeletionFramesMessage = {
    type: 'deletionFrames',
    session,
    first,
    bucketStarts: [...bucketStarts],
    counts: [...counts],
    events: [...events],
    anomalies: [...anomalies],
  };
  if (progress !== undefined) {
    const view = parseProgressView(progress);
    if (!view) return undefined;
    message.progress = view;
  }
  return message;
}

function parseEnd(raw: Record<string, unknown>): DeletionEndMessage | undefined {
  const { session, outcome, message, frames, anomalies, progress, complete } = raw;
  if (!isSession(session) || !isOneOf(outcome, DELETION_OUTCOMES) || !isIndex(frames, MAX_PLAYER_FRAMES + 1) || typeof complete !== 'boolean') return undefined;
  if (message !== undefined && typeof message !== 'string') return undefined;
  const parsedAnomalies = parseAnomalies(anomalies);
  if (!parsedAnomalies) return undefined;
  const end: DeletionEndMessage = { type: 'deletionEnd', session, outcome, frames, anomalies: parsedAnomalies, complete };
  if (message !== undefined) end.message = message;
  if (progress !== undefined) {
    const view = parseProgressView(progress);
    if (!view) return undefined;
    end.progress = view;
  }
  return end;
}

/** A deletion message from the host (its `type` starts with "deletion"), checked; undefined when malformed. */
export function parseDeletionMessage(raw: Record<string, unknown>): DeletionEventMessage | undefined {
  switch (raw.type) {
    case 'deletionPreparing':
      return parsePreparing(raw);
    case 'deletionStart':
      return parseStart(raw);
    case 'deletionFrames':
      return parseFrames(raw);
    case 'deletionEnd':
      return parseEnd(raw);
    default:
      return undefined;
  }
}

// ---- Answers the webview checks --------------------------------------------------------------

/** Base64 of at most MAX_IMAGE_SIDE² bytes. */
const MAX_BASE64_LENGTH = Math.ceil((MAX_IMAGE_SIDE * MAX_IMAGE_SIDE) / 3) * 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isFrameRegionWire(value: unknown): value is FrameRegionWire {
  if (!isRecord(value)) return false;
  const { index, x, y, width, height, pixels, full } = value;
  return (
    isIndex(index, MAX_PLAYER_FRAMES) &&
    [x, y, width, height].every((n) => isIndex(n, MAX_IMAGE_SIDE + 1)) &&
    typeof full === 'boolean' &&
    typeof pixels === 'string' &&
    pixels.length <= MAX_BASE64_LENGTH &&
    pixels.length % 4 === 0 &&
    BASE64.test(pixels)
  );
}

/**
 * The region's pixels, decoded and checked against the session's image (the rectangle fits, one
 * index per pixel, each a palette colour or TRANSPARENT_INDEX); undefined when anything is off.
 */
export function decodeFrameRegion(wire: FrameRegionWire, image: { width: number; height: number; colours: number }): FrameRegion | undefined {
  const { index, x, y, width, height, full } = wire;
  if (x + width > image.width || y + height > image.height) return undefined;
  if (full && (x !== 0 || y !== 0 || width !== image.width || height !== image.height)) return undefined;
  const binary = atob(wire.pixels);
  if (binary.length !== width * height) return undefined;
  const pixels = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    const value = binary.charCodeAt(i);
    if (value >= image.colours && value !== TRANSPARENT_INDEX) return undefined;
    pixels[i] = value;
  }
  return { index, x, y, width, height, pixels, full };
}

export function isProgressAtFrame(value: unknown): value is ProgressAtFrame {
  return isRecord(value) && isIndex(value.frame, MAX_PLAYER_FRAMES) && parseProgressView(value.progress) !== undefined;
}

export function isPixelDescription(value: unknown): value is PixelDescription | null {
  if (value === null) return true;
  return (
    isRecord(value) &&
    typeof value.segmentPrefix === 'string' &&
    typeof value.firstKey === 'string' &&
    typeof value.lastKey === 'string' &&
    isCount(value.objects)
  );
}

export function isGifExportResult(value: unknown): value is GifExportResult | null {
  return value === null || (isRecord(value) && typeof value.path === 'string' && isCount(value.frames) && isCount(value.bytes));
}
