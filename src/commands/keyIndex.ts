// "Build Index Here…" and "Look Up Record by Key…": the key index over append-only data
// (docs/index-format.md) from the Buckets tree and the palette. Building asks where the index goes
// (beside the data by default), runs with a cancellable progress and remembers the index for the
// prefix, whose tree item then says it is indexed. Looking up opens the record in a read-only
// editor and shows what it cost (requests, bytes, time) in the status bar while that editor is in
// front. One reader per index is kept, so a second lookup in a time bucket is warm (2 requests).

import * as vscode from 'vscode';
import { buildIndex, type BuildProgress, type BuildResult } from '../app/index/build';
import { IndexConfigError } from '../app/index/indexConfig';
import type { IndexReader, LookupResult } from '../app/index/lookup';
import { ObjectStore } from '../aws/objectStore';
import { DEFAULT_CONNECTION_ID } from '../core/connections';
import { formatBytes, formatCount } from '../core/format';
import { keyTimestampMs } from '../core/index/keys';
import { errorMessage } from '../core/log';
import { formatS3Uri, parseS3Uri, type S3Location } from '../core/s3uri';
import type { Studio } from '../studio';
import { checkLocation } from './findUnusedPrefixes';

/** What a caller (the tree, a test) may pass instead of being asked. */
export interface KeyIndexArgs {
  bucket?: string;
  /** The data prefix ('' for the whole bucket). */
  prefix?: string;
  connectionId?: string;
  /** `s3://B/I`: the index location. */
  index?: string;
  /** Lookup only: the key. */
  key?: string;
}

/** The longest key or prefix taken from arguments (an S3 key is at most 1,024 bytes). */
const MAX_KEY_LENGTH = 1024;

function argsFrom(raw: unknown): KeyIndexArgs {
  if (typeof raw !== 'object' || raw === null) return {};
  const node = raw as Record<string, unknown>;
  const connection = (raw as { connection?: { id?: unknown } }).connection;
  const args: KeyIndexArgs = {};
  if (typeof connection?.id === 'string') args.connectionId = connection.id;
  if (typeof node.connectionId === 'string') args.connectionId = node.connectionId;
  if (typeof node.bucket === 'string') args.bucket = node.bucket;
  if (typeof node.prefix === 'string' && node.prefix.length <= MAX_KEY_LENGTH) args.prefix = node.prefix;
  if (typeof node.index === 'string') args.index = node.index;
  if (typeof node.key === 'string' && node.key.length <= MAX_KEY_LENGTH) args.key = node.key;
  return args;
}

/** Undefined when `value` is an s3://bucket/prefix URI (checkLocation's check, local folders refused); else what to write. */
export function checkS3Location(value: string): string | undefined {
  const text = value.trim();
  return text.startsWith('s3://') ? checkLocation(text) : vscode.l10n.t('Write it as s3://bucket/prefix/.');
}

/** Undefined when `value` is a key the index can hold (it ends in -<unix time>); else what is wrong. */
export function checkRecordKey(value: string): string | undefined {
  const key = value.trim();
  if (key === '') return vscode.l10n.t('Required: the record key, such as 2b21619e-f001-4a04-aefe-65a62334122a-1683832386.');
  if (key.length > MAX_KEY_LENGTH) return vscode.l10n.t('A key is at most {0} characters.', MAX_KEY_LENGTH);
  if (keyTimestampMs(key) === undefined)
    return vscode.l10n.t('A key ends in -<unix time> (seconds or milliseconds), as in 2b21619e-f001-4a04-aefe-65a62334122a-1683832386.');
  return undefined;
}

/** The default index location for data at bucket/prefix: beside it, under _index/. */
export function defaultIndexLocation(bucket: string, prefix: string): string {
  return `s3://${bucket}/_index/${prefix}`;
}

/** Asks for an s3:// location (validated); undefined when dismissed. */
async function askS3(title: string, prompt: string, value: string): Promise<S3Location | undefined> {
  const answer = await vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: checkS3Location });
  return answer === undefined ? undefined : parseS3Uri(answer.trim());
}

function progressMessage(p: BuildProgress): string {
  switch (p.phase) {
    case 'listing':
      return vscode.l10n.t('listing the data…');
    case 'checking':
      return vscode.l10n.t('checking what is indexed already…');
    case 'indexing':
      return vscode.l10n.t('{0} of {1} objects · {2} keys', formatCount(p.objectsDone), formatCount(p.objectsTotal), formatCount(p.entries));
    case 'writing':
      return vscode.l10n.t('writing parts and manifests · {0} keys', formatCount(p.entries));
    case 'done':
      return vscode.l10n.t('done');
  }
}

/** "Build Index Here…": indexes the data objects under a prefix not indexed yet (by key and ETag). */
export async function buildKeyIndex(studio: Studio, raw?: unknown): Promise<BuildResult | undefined> {
  const args = argsFrom(raw);
  const connectionId = args.connectionId ?? DEFAULT_CONNECTION_ID;
  let data: S3Location | undefined;
  if (args.bucket !== undefined) data = { bucket: args.bucket, key: args.prefix ?? '' };
  else {
    data = await askS3(
      vscode.l10n.t('Build Index Here'),
      vscode.l10n.t('The append-only data to index: s3://bucket/prefix/ (lines of "key, payload", the key ending in -<unix time>)'),
      's3://',
    );
    if (!data) return undefined;
  }
  const known = studio.keyIndexes.known(connectionId, data.bucket, data.key);
  let index: S3Location | undefined = args.index !== undefined ? parseS3Uri(args.index) : undefined;
  if (!index) {
    index = await askS3(
      vscode.l10n.t('Index of s3://{0}/{1}', data.bucket, data.key),
      vscode.l10n.t('Where the index lives: an existing index there is brought up to date; a new one is made with the s3lifecycle.index settings'),
      known?.index ?? defaultIndexLocation(data.bucket, data.key),
    );
    if (!index) return undefined;
  }
  const settings = studio.settings.index;
  const where = `s3://${data.bucket}/${data.key}`;
  const store = new ObjectStore(studio.current.s3Service(studio.connection(connectionId)).client);
  studio.log.info(`Build Index Here: ${where} → ${formatS3Uri(index)} ${JSON.stringify(settings)}`);
  let result: BuildResult;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Indexing {0}', where), cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const subscription = token.onCancellationRequested(() => abort.abort());
        let last = '';
        try {
          return await buildIndex(store, {
            data,
            index: index!,
            settings,
            signal: abort.signal,
            onProgress: (p) => {
              const message = progressMessage(p);
              if (message !== last) progress.report({ message });
              last = message;
            },
          });
        } finally {
          subscription.dispose();
        }
      },
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') {
      studio.log.info(`Build Index Here: ${where} cancelled; a new run takes up where it stopped`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Indexing {0} was cancelled: run it again to take up where it stopped.', where));
      return undefined;
    }
    studio.log.error(`Build Index Here: ${where} failed`, error);
    const showLog = vscode.l10n.t('Show Log');
    const message =
      error instanceof IndexConfigError
        ? error.message
        : vscode.l10n.t('Indexing {0} failed: {1}. Run it again to take up where it stopped.', where, errorMessage(error));
    void vscode.window.showErrorMessage(message, showLog).then((choice) => choice === showLog && studio.logChannel.show());
    return undefined;
  }
  studio.keyIndexes.forgetReaders(result.index);
  await studio.keyIndexes.remember(connectionId, data.bucket, data.key, {
    index: result.index,
    granularity: result.config.granularity,
    objects: result.objects.unchanged + result.objects.indexed,
    // Counted from the first build here; an index found elsewhere and built on here counts only from then on.
    entries: (known ? (known.entries ?? 0) : 0) + result.entries,
    builtAt: new Date().toISOString(),
  });
  studio.log.info(`Build Index Here: ${JSON.stringify({ ...result, malformedSamples: result.malformedSamples.length })}`);
  for (const note of result.notes) studio.log.warn(`Build Index Here: ${note}`);
  for (const failure of result.objects.failed) studio.log.warn(`Build Index Here: ${failure.object}: ${failure.reason}`);
  const lookUp = vscode.l10n.t('Look Up Record…');
  const summary = vscode.l10n.t(
    'Indexed {0}: {1} new objects, {2} keys, {3}; {4} objects were indexed already.',
    where,
    formatCount(result.objects.indexed),
    formatCount(result.entries),
    result.parts === 1 ? vscode.l10n.t('1 part written') : vscode.l10n.t('{0} parts written', formatCount(result.parts)),
    formatCount(result.objects.unchanged),
  );
  const remarks = [
    result.lines.malformed > 0 ? vscode.l10n.t('{0} lines without a key ending in -<unix time> were skipped.', formatCount(result.lines.malformed)) : '',
    result.objects.failed.length > 0 ? vscode.l10n.t('{0} objects could not be read: run it again (the log says why).', result.objects.failed.length) : '',
    result.objects.claimedElsewhere.length > 0
      ? vscode.l10n.t('{0} objects are being indexed by another builder: run it again later.', result.objects.claimedElsewhere.length)
      : '',
  ].filter(Boolean);
  const text = [summary, ...remarks].join(' ');
  const show =
    result.objects.failed.length + result.objects.claimedElsewhere.length > 0
      ? vscode.window.showWarningMessage(text, lookUp, vscode.l10n.t('Show Log'))
      : vscode.window.showInformationMessage(text, lookUp);
  void show.then((choice) => {
    if (choice === lookUp)
      void vscode.commands.executeCommand('s3lifecycle.lookupRecord', { bucket: data.bucket, prefix: data.key, connectionId, index: result.index });
    else if (choice !== undefined) studio.logChannel.show();
  });
  return result;
}

/** What "Look Up Record by Key…" returns to `executeCommand` callers. */
export interface LookupRecordResult extends LookupResult {
  index: string;
  /** The read-only document showing the record, when found. */
  document?: string;
}

/** "Look Up Record by Key…": the key → its record, in a read-only editor; the cost in the status bar. */
export async function lookupRecord(studio: Studio, raw?: unknown): Promise<LookupRecordResult | undefined> {
  const args = argsFrom(raw);
  const connectionId = args.connectionId ?? DEFAULT_CONNECTION_ID;
  let index: S3Location | undefined = args.index !== undefined ? parseS3Uri(args.index) : undefined;
  if (!index) {
    const known = args.bucket !== undefined ? studio.keyIndexes.known(connectionId, args.bucket, args.prefix ?? '') : undefined;
    const value =
      known?.index ?? (args.bucket !== undefined ? defaultIndexLocation(args.bucket, args.prefix ?? '') : (studio.keyIndexes.lastIndex() ?? 's3://'));
    // A remembered index is used as it is; otherwise the user says where.
    index = known
      ? parseS3Uri(known.index)
      : await askS3(vscode.l10n.t('Look Up Record by Key'), vscode.l10n.t('The index to look in: s3://bucket/index-prefix/ (made by Build Index Here)'), value);
    if (!index) return undefined;
  }
  const indexUri = formatS3Uri(index);
  let key = args.key?.trim();
  if (key === undefined || checkRecordKey(key) !== undefined) {
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('Look Up Record by Key in {0}', indexUri),
      prompt: vscode.l10n.t('The record key: the text before the first comma of its line, ending in -<unix time>'),
      value: key ?? '',
      ignoreFocusOut: true,
      validateInput: checkRecordKey,
    });
    if (answer === undefined) return undefined;
    key = answer.trim();
  }
  let result: LookupResult;
  let reader: IndexReader;
  try {
    reader = await studio.keyIndexes.reader(connectionId, index);
    result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Looking up {0}…', key) }, () =>
      reader.lookup(key!),
    );
  } catch (error) {
    studio.log.error(`Look Up Record: ${key} in ${indexUri} failed`, error);
    const message = error instanceof IndexConfigError ? error.message : vscode.l10n.t('Looking up {0} in {1} failed: {2}', key, indexUri, errorMessage(error));
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(message, showLog).then((choice) => choice === showLog && studio.logChannel.show());
    return undefined;
  }
  // An index found where the user pointed from a prefix in the tree: the tree says so from now on.
  const sameData = (a: string, b: string) => a.replace(/\/$/, '') === b.replace(/\/$/, '');
  if (
    args.bucket !== undefined &&
    !studio.keyIndexes.known(connectionId, args.bucket, args.prefix ?? '') &&
    reader.data.bucket === args.bucket &&
    sameData(reader.data.key, args.prefix ?? '')
  )
    await studio.keyIndexes.remember(connectionId, args.bucket, args.prefix ?? '', { index: indexUri, granularity: reader.config.granularity });
  studio.log.info(`Look Up Record: ${JSON.stringify({ ...result, record: result.record === undefined ? undefined : `${result.record.length} characters` })}`);
  const cost = vscode.l10n.t('{0} requests · {1} · {2} ms', result.requests, formatBytes(result.bytes), Math.round(result.ms));
  if (result.notes.length > 0) void vscode.window.showWarningMessage(vscode.l10n.t('Look Up Record: {0}', result.notes.join(' ')));
  switch (result.status) {
    case 'found': {
      const name = `${result.key.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 120)}.txt`;
      const editor = await studio.previews.show(`records/${name}`, `${result.record ?? ''}\n`, { beside: false, focus: true });
      studio.keyIndexes.showCost(editor.document.uri, result, reader.data.bucket);
      return { ...result, index: indexUri, document: editor.document.uri.toString() };
    }
    case 'absent':
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} is not in the index {1} ({2}).', result.key, indexUri, cost));
      break;
    case 'changed': {
      const rebuild = vscode.l10n.t('Build Index Here');
      const at = reader.data;
      void vscode.window
        .showWarningMessage(vscode.l10n.t('The data object holding {0} has changed since it was indexed: build the index again.', result.key), rebuild)
        .then((choice) => {
          if (choice !== rebuild) return;
          void vscode.commands.executeCommand('s3lifecycle.buildIndex', { bucket: at.bucket, prefix: at.key, connectionId, index: indexUri });
        });
      break;
    }
    case 'invalid-key':
      void vscode.window.showErrorMessage(checkRecordKey(result.key) ?? vscode.l10n.t('{0} is not a record key.', result.key));
      break;
  }
  return { ...result, index: indexUri };
}
