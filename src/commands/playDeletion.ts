// "Play Lifecycle Deletion…": asks for what is missing (the bucket, its inventory and access logs,
// as Find Unused Prefixes does, with its answers as defaults), reads the deletion on the chosen engine
// with a cancellable progress, and plays it in the lifecycle panel as its frames arrive. Also the
// player's "Export GIF": a save dialog, then the frames read written as a GIF.

import * as vscode from 'vscode';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { renderDeletion } from '../app/deletionRender';
import { DeletionSession, type GifWriterFactory, type RenderStart } from '../app/deletionSession';
import { DEFAULT_CONNECTION_ID } from '../core/connections';
import { GifWriter } from '../core/deletion/gif';
import { STATE_COUNT } from '../core/deletion/model';
import { STATE_COLOURS } from '../core/deletion/palette';
import { formatBytes } from '../core/format';
import { errorMessage } from '../core/log';
import { ENGINE_KINDS, type EngineKind } from '../core/settings';
import type { DeletionOutcome, GifExportResult } from '../deletionProtocol';
import { TemplateRunner } from '../engines/runner';
import type { Studio } from '../studio';
import { checkLocation, pickBucket, resolveLocation, retentionInputsKey, type RetentionInputs } from './findUnusedPrefixes';
import { retentionCatalogFor, workspaceFolder } from './templates';

/** What a caller (a test, the panel, the tree) may pass instead of being asked. */
export interface PlayDeletionArgs {
  bucket?: string;
  /** The connection the bucket is on (the tree node's); the default one when not given. */
  connectionId?: string;
  /**
   * Only the objects whose keys start with this (a tree prefix node's own prefix, `logs/2019/`): the
   * player draws them alone; the whole bucket when unset or empty.
   */
  prefix?: string;
  inventory?: string;
  logs?: string;
  engine?: EngineKind;
  /** Ask for the inventory and logs again, the remembered answers as defaults. */
  askAll?: boolean;
  /** Play with the remembered answers without the confirmation pick (tests and scripts). */
  noConfirm?: boolean;
}

/** What the command returns to `executeCommand` callers. */
export interface PlayDeletionResult {
  session: number;
  bucket: string;
  /** The key prefix played ('' for the whole bucket). */
  prefix: string;
  frames: number;
  outcome: DeletionOutcome | undefined;
}

/** The locations a deletion was read from, remembered per bucket. */
interface DeletionInputs {
  inventory: string;
  logs: string;
  engine: EngineKind;
}

const deletionInputsKey = (bucket: string, connectionId: string) =>
  connectionId === DEFAULT_CONNECTION_ID ? `deletionInputs:${bucket}` : `deletionInputs:${connectionId}:${bucket}`;

let lastSessionId = 0;

/** The longest prefix taken: an S3 key is at most 1,024 bytes. */
const MAX_PREFIX_LENGTH = 1024;

/** The bucket and prefix as `s3://{0}` shows them: `bucket` or `bucket/prefix`. */
export function scopeName(bucket: string, prefix: string | undefined): string {
  return prefix ? `${bucket}/${prefix}` : bucket;
}

/** The GIF's default file name: the bucket, and the prefix with anything a file name cannot hold made '-'. */
export function gifFileName(bucket: string, prefix: string): string {
  const part = prefix.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${bucket}${part === '' ? '' : `-${part.slice(0, 100)}`}-deletion.gif`;
}

function argsFrom(raw: unknown): PlayDeletionArgs {
  if (typeof raw !== 'object' || raw === null) return {};
  const node = raw as Record<string, unknown>;
  const connection = (raw as { connection?: { id?: unknown } }).connection;
  const connectionId = typeof connection?.id === 'string' ? connection.id : undefined;
  if (node.kind === 'bucket' && typeof node.bucket === 'string') return { bucket: node.bucket, ...(connectionId ? { connectionId } : {}) };
  // A tree prefix node's prefix ends with '/': its keys are the ones that start with it.
  if (node.kind === 'prefix' && typeof node.bucket === 'string' && typeof node.prefix === 'string')
    return { bucket: node.bucket, ...(node.prefix !== '' ? { prefix: node.prefix } : {}), ...(connectionId ? { connectionId } : {}) };
  const args: PlayDeletionArgs = {};
  if (typeof node.bucket === 'string') args.bucket = node.bucket;
  if (typeof node.prefix === 'string' && node.prefix !== '' && node.prefix.length <= MAX_PREFIX_LENGTH) args.prefix = node.prefix;
  if (typeof node.connectionId === 'string') args.connectionId = node.connectionId;
  if (typeof node.inventory === 'string') args.inventory = node.inventory;
  if (typeof node.logs === 'string') args.logs = node.logs;
  if (typeof node.engine === 'string' && (ENGINE_KINDS as readonly string[]).includes(node.engine)) args.engine = node.engine as EngineKind;
  if (node.askAll === true) args.askAll = true;
  if (node.noConfirm === true) args.noConfirm = true;
  return args;
}

async function askLocation(title: string, prompt: string, value: string): Promise<string | undefined> {
  const answer = await vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: checkLocation });
  return answer?.trim();
}

/** The inputs: given, else remembered (this command's, then Find Unused Prefixes'), else the settings; asked when missing or `askAll`. */
async function inputsFor(
  studio: Studio,
  bucket: string,
  connectionId: string,
  args: PlayDeletionArgs,
): Promise<{ inputs: DeletionInputs; complete: boolean } | undefined> {
  const state = studio.extensionContext.workspaceState;
  const mine = state.get<Partial<DeletionInputs>>(deletionInputsKey(bucket, connectionId), {});
  const retention = state.get<Partial<RetentionInputs>>(retentionInputsKey(bucket, connectionId), {});
  const settings = studio.settings;
  let inventory = args.inventory ?? mine.inventory ?? retention.inventory ?? settings.query.inventoryLocation;
  let logs = args.logs ?? mine.logs ?? retention.logs ?? settings.query.logsLocation;
  const complete = inventory !== '' && logs !== '';
  if (args.askAll || !inventory) {
    const answer = await askLocation(
      vscode.l10n.t('Inventory of s3://{0}', bucket),
      vscode.l10n.t('An inventory taken before the deletion: its manifest.json, or the inventory destination (s3://… or a local folder)'),
      inventory,
    );
    if (answer === undefined) return undefined;
    inventory = answer;
  }
  if (args.askAll || !logs) {
    const answer = await askLocation(
      vscode.l10n.t('Server access logs of s3://{0}', bucket),
      vscode.l10n.t("Where the bucket's access logs are delivered, with the days the lifecycle rule ran: s3://… or a local folder"),
      logs,
    );
    if (answer === undefined) return undefined;
    logs = answer;
  }
  const engine = args.engine ?? mine.engine ?? retention.engine ?? settings.engine;
  return { inputs: { inventory, logs, engine }, complete };
}

/** A last look at what will be read, with a way to change it: one Enter plays it. `scope`: bucket or bucket/prefix. */
async function confirmInputs(scope: string, inputs: DeletionInputs): Promise<'play' | 'change' | undefined> {
  const play = {
    label: vscode.l10n.t('$(play) Play the deletion of s3://{0}', scope),
    detail: vscode.l10n.t('{0} engine · inventory {1} · logs {2}', inputs.engine, inputs.inventory, inputs.logs),
    action: 'play' as const,
  };
  const change = { label: vscode.l10n.t('$(edit) Change the inputs…'), detail: vscode.l10n.t('Inventory, access logs'), action: 'change' as const };
  const picked = await vscode.window.showQuickPick([play, change], { title: vscode.l10n.t('Play Lifecycle Deletion'), ignoreFocusOut: true });
  return picked?.action;
}

export async function playDeletion(studio: Studio, raw?: unknown): Promise<PlayDeletionResult | undefined> {
  const args = argsFrom(raw);
  const bucket = args.bucket ?? (await pickBucket(studio, vscode.l10n.t('Play Lifecycle Deletion: which bucket?')));
  if (!bucket) return undefined;
  const connectionId = args.connectionId ?? DEFAULT_CONNECTION_ID;
  const asked = await inputsFor(studio, bucket, connectionId, args);
  if (!asked) return undefined;
  let { inputs } = asked;
  const given = args.inventory !== undefined && args.logs !== undefined;
  if (asked.complete && !given && !args.askAll && !args.noConfirm) {
    const choice = await confirmInputs(scopeName(bucket, args.prefix), inputs);
    if (!choice) return undefined;
    if (choice === 'change') {
      const again = await inputsFor(studio, bucket, connectionId, { ...args, ...inputs, askAll: true });
      if (!again) return undefined;
      inputs = again.inputs;
    }
  }
  await studio.extensionContext.workspaceState.update(deletionInputsKey(bucket, connectionId), inputs);
  return play(studio, bucket, connectionId, inputs, args);
}

async function play(
  studio: Studio,
  bucket: string,
  connectionId: string,
  inputs: DeletionInputs,
  args: PlayDeletionArgs,
): Promise<PlayDeletionResult | undefined> {
  const connection = studio.connection(connectionId);
  const engine = await studio.queryEngine(inputs.engine, connection);
  const runner = new TemplateRunner(retentionCatalogFor(studio), engine, { inventory: resolveLocation(inputs.inventory), logs: resolveLocation(inputs.logs) });
  const { size, granularity, layout, segmentBy, header } = studio.settings.deletion;
  const prefix = args.prefix ?? '';
  const scope = scopeName(bucket, prefix);
  studio.log.info(`Play Lifecycle Deletion of s3://${scope}: ${JSON.stringify({ ...inputs, size, granularity, layout, segmentBy, header })}`);
  const session = new DeletionSession({
    id: ++lastSessionId,
    bucket,
    prefix,
    granularity,
    layout,
    stateColours: legendColours,
    render: (control) => renderDeletion({ runner, bucket, prefix, size, fitObjects: true, granularity, layout, segmentBy, header, ...control }),
  });
  studio.panels.showDeletion(session);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Reading the lifecycle deletion of s3://{0}', scope), cancellable: true },
      async (progress, token) => {
        const subscription = token.onCancellationRequested(() => session.cancel());
        session.onStep = (step) => progress.report({ message: step });
        let total = 0;
        let shown = 0;
        const stop = session.listen((message) => {
          if (message.type === 'deletionPreparing') progress.report({ message: vscode.l10n.t('segmenting the inventory and reading the lifecycle events…') });
          if (message.type === 'deletionStart') total = message.frames;
          if (message.type === 'deletionFrames') {
            const read = message.first + message.bucketStarts.length;
            progress.report({ message: vscode.l10n.t('frame {0} of {1}', read, total), increment: total > 0 ? ((read - shown) * 100) / total : undefined });
            shown = read;
          }
        });
        try {
          await session.run();
        } finally {
          session.onStep = undefined;
          stop();
          subscription.dispose();
        }
      },
    );
  } catch (error) {
    studio.log.error(`Play Lifecycle Deletion of s3://${scope} failed`, error);
    const change = vscode.l10n.t('Change the Inputs…');
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window
      .showErrorMessage(vscode.l10n.t('The deletion of s3://{0} could not be read: {1}', scope, errorMessage(error)), change, showLog)
      .then((choice) => {
        if (choice === change) void vscode.commands.executeCommand('s3lifecycle.playDeletion', { ...args, bucket, connectionId, askAll: true });
        if (choice === showLog) studio.logChannel.show();
      });
  }
  studio.log.info(`Play Lifecycle Deletion of s3://${scope}: ${session.outcome ?? 'running'}, ${session.frames} frames`);
  return { session: session.id, bucket, prefix, frames: session.frames, outcome: session.outcome };
}

/** Each state's colour in the legend: the render's palette starts with the five states' own colours (indices = ObjectState). */
export function legendColours(palette: RenderStart['palette']): (readonly [number, number, number])[] {
  return palette.length >= STATE_COUNT ? palette.slice(0, STATE_COUNT) : [...STATE_COLOURS];
}

const makeGifWriter: GifWriterFactory = (sink, options) => new GifWriter(sink, options);

/** "Export GIF": where (a save dialog), then the frames read so far, written as a GIF at the player's speed. */
export async function exportDeletionGif(studio: Studio, session: DeletionSession, frameDelayMs: number, signal: AbortSignal): Promise<GifExportResult | null> {
  const folder = workspaceFolder()?.uri;
  const name = gifFileName(session.bucket, session.prefix);
  const scope = scopeName(session.bucket, session.prefix);
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export the deletion of s3://{0} as a GIF', scope),
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : vscode.Uri.file(join(process.cwd(), name)),
    filters: { [vscode.l10n.t('GIF images')]: ['gif'] },
    saveLabel: vscode.l10n.t('Export GIF'),
  });
  if (!target) return null;
  const path = target.fsPath;
  const file = await open(path, 'w');
  let bytes = 0;
  let frames: number;
  try {
    frames = await session.writeGif(
      makeGifWriter,
      async (chunk) => {
        await file.write(chunk);
        bytes += chunk.length;
      },
      frameDelayMs,
      signal,
    );
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  studio.log.info(`Exported the deletion of s3://${scope} to ${path}: ${frames} frames, ${bytes} bytes`);
  void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0}: {1} frames, {2}.', path, frames, formatBytes(bytes)));
  return { path, frames, bytes };
}
