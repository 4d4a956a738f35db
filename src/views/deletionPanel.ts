// The deletion player's half of the lifecycle panel's host: the answers to the webview's player
// requests (a frame, a pixel's keys, Export GIF, Play, Stop) for the session the panel shows, and the
// player's strings. The reading itself is a DeletionSession (src/app/deletionSession.ts).

import * as vscode from 'vscode';
import { DeletionSessionError, type DeletionSession } from '../app/deletionSession';
import type { DeletionRequests, DeletionStrings, GifExportResult } from '../deletionProtocol';

/** The work behind the player's buttons; implemented by the extension's commands. */
export interface DeletionActions {
  /** Runs "Play Lifecycle Deletion…" (asking for what it needs). */
  playDeletion(): Promise<void>;
  /** Asks where, then writes the session's frames as a GIF; null when the user cancelled. */
  exportGif(session: DeletionSession, frameDelayMs: number, signal: AbortSignal): Promise<GifExportResult | null>;
}

type Handlers = { [M in keyof DeletionRequests]: (params: DeletionRequests[M]['params'], signal: AbortSignal) => Promise<DeletionRequests[M]['result']> };

/** The player's request handlers, for the session `current()` gives (the one the panel shows). */
export function deletionHandlers(current: () => DeletionSession | undefined, actions: DeletionActions): Handlers {
  const session = (id: number): DeletionSession => {
    const shown = current();
    if (!shown || shown.id !== id) throw new Error(vscode.l10n.t('This deletion is no longer the one shown: play it again.'));
    return shown;
  };
  return {
    deletionFrame: async ({ session: id, index, base }) => session(id).frame(index, base),
    deletionProgress: async ({ session: id, index }) => session(id).progressAt(index),
    describeDeletionPixel: ({ session: id, x, y }) => session(id).describePixel(x, y),
    exportDeletionGif: ({ session: id, frameDelayMs }, signal) => actions.exportGif(session(id), frameDelayMs, signal),
    playDeletion: async () => {
      await actions.playDeletion();
      return null;
    },
    cancelDeletion: async ({ session: id }) => {
      session(id).cancel();
      return null;
    },
  };
}

/** The user-facing message of a player request's failure, or undefined when it is not the player's own. */
export function describeDeletionFailure(error: unknown): string | undefined {
  if (!(error instanceof DeletionSessionError)) return undefined;
  switch (error.reason) {
    case 'notReady':
      return vscode.l10n.t('Pixels are described once the deletion has been read to its end.');
    case 'noFrame':
    case 'noFrames':
      return vscode.l10n.t('That frame has not been read yet.');
    case 'tooLarge':
      return error.message;
  }
}

export function deletionStrings(): DeletionStrings {
  return {
    deletionHeading: vscode.l10n.t('Lifecycle deletion'),
    deletionHeadingOf: vscode.l10n.t('Lifecycle deletion of s3://{0}'),
    playDeletion: vscode.l10n.t('Play Lifecycle Deletion…'),
    deletionIntro: vscode.l10n.t(
      'Watch a lifecycle rule delete a bucket: every object of its inventory is a pixel, and each frame is one time bucket of its server access logs. Beside it: the objects in each state, the key ranges S3 deletes as a unit with their progress, and when the deletion should end.',
    ),
    deletionPreparing: vscode.l10n.t('Reading the inventory and the access logs of s3://{0}…'),
    deletionReading: vscode.l10n.t('Reading frame {0} of {1}…'),
    deletionStop: vscode.l10n.t('Stop'),
    deletionCanvasLabel: vscode.l10n.t('The deletion of s3://{0}: one pixel per object, {1} objects'),
    deletionKeyboardHelp: vscode.l10n.t(
      'Space plays or pauses. Left and Right step one frame, Home and End go to the first and last. Shift with the arrow keys moves the pixel inspector.',
    ),
    deletionControls: vscode.l10n.t('Player'),
    deletionPlay: vscode.l10n.t('Play'),
    deletionPause: vscode.l10n.t('Pause'),
    deletionStepBack: vscode.l10n.t('Previous frame'),
    deletionStepForward: vscode.l10n.t('Next frame'),
    deletionFirstFrame: vscode.l10n.t('First frame'),
    deletionLastFrame: vscode.l10n.t('Last frame'),
    deletionFrameSlider: vscode.l10n.t('Frame'),
    deletionFrameValue: vscode.l10n.t('Frame {0} of {1}, {2}'),
    deletionFrameCounter: vscode.l10n.t('{0} / {1}'),
    deletionSpeed: vscode.l10n.t('Speed'),
    deletionSpeedValue: vscode.l10n.t('{0} frames/s'),
    deletionLoop: vscode.l10n.t('Loop'),
    deletionExportGif: vscode.l10n.t('Export GIF'),
    deletionExported: vscode.l10n.t('Saved {0} ({1} frames, {2})'),
    deletionLegend: vscode.l10n.t('Objects by state'),
    deletionStateColumn: vscode.l10n.t('State'),
    deletionCountColumn: vscode.l10n.t('Objects'),
    deletionShareColumn: vscode.l10n.t('Share'),
    statePresent: vscode.l10n.t('Present'),
    stateTransitioned: vscode.l10n.t('Transitioned (another storage class)'),
    stateDeleteMarked: vscode.l10n.t('Delete marker'),
    stateNoncurrentExpired: vscode.l10n.t('Noncurrent version expired'),
    stateGone: vscode.l10n.t('Gone'),
    deletionStateCount: vscode.l10n.t('{0}: {1}'),
    deletionCountsAnnouncement: vscode.l10n.t('Frame {0}, {1}: {2}'),
    deletionChartLabel: vscode.l10n.t('Objects in each state over time; click to go to a frame'),
    deletionEvents: vscode.l10n.t('Lifecycle events in this frame: {0}'),
    deletionPartitions: vscode.l10n.t('Partitions'),
    deletionPartition: vscode.l10n.t('Partition {0}'),
    deletionPartitionObjects: vscode.l10n.t('objects {0} to {1}'),
    deletionPartitionDone: vscode.l10n.t('{0}% deleted'),
    deletionPartitionFinished: vscode.l10n.t('finished'),
    phaseDeleteMarker: vscode.l10n.t('delete markers'),
    phaseExpireVersion: vscode.l10n.t('versions expired'),
    phaseExpireMarker: vscode.l10n.t('markers removed'),
    phaseExpireObject: vscode.l10n.t('objects expired'),
    deletionPhaseValue: vscode.l10n.t('{0} {1}% ({2}/h)'),
    deletionProgressAsOf: vscode.l10n.t('As known at'),
    deletionEstimatedEnd: vscode.l10n.t('Estimated end'),
    deletionEstimatedEndValue: vscode.l10n.t('{0} (between {1} and {2})'),
    deletionComplete: vscode.l10n.t('Complete: every object the rule expires is gone.'),
    deletionEndUnknown: vscode.l10n.t('Not enough events yet to estimate the end.'),
    deletionAnomalies: vscode.l10n.t('Anomalies'),
    deletionNoAnomalies: vscode.l10n.t('None: every event came in the order S3 Lifecycle works.'),
    deletionAnomalyValue: vscode.l10n.t('{0} × {1}'),
    deletionHoverLooking: vscode.l10n.t('Looking up…'),
    deletionHoverNone: vscode.l10n.t('No object here.'),
    deletionHoverNotReady: vscode.l10n.t("Hovering names a pixel's keys once the deletion has been read to its end."),
    deletionHoverSegment: vscode.l10n.t('Segment'),
    deletionHoverKeys: vscode.l10n.t('Keys'),
    deletionHoverObjects: vscode.l10n.t('Objects'),
    deletionCancelled: vscode.l10n.t('Stopped: the frames read so far can be played.'),
    deletionFailed: vscode.l10n.t('The deletion could not be read: {0}'),
    deletionNotes: vscode.l10n.t('Notes'),
  };
}
