// "Find Unused Prefixes": asks for what is missing (inventory, logs, window, as-of date, engine),
// remembers the answers per bucket in the workspace, runs the analysis on the chosen engine with a
// cancellable progress, and shows the unused prefixes in the lifecycle panel.

import * as vscode from 'vscode';
import { reportUnder, retentionOptions, runRetention } from '../app/findUnusedPrefixes';
import { isAbsolute, join } from 'node:path';
import type { RetentionReport } from '../core/retention/report';
import { accessWindow, LogCoverageError, MalformedLogLinesError } from '../core/retention/window';
import { ENGINE_KINDS, type EngineKind } from '../core/settings';
import { prefixOfFolder } from '../core/prefix';
import { isValidBucketName } from '../core/s3uri';
import { DEFAULT_CONNECTION_ID } from '../core/connections';
import { QueryCancelledError } from '../engines/engine';
import type { Studio } from '../studio';
import type { BucketTreeNode } from '../views/bucketTree';
import { retentionCatalogFor, workspaceFolder } from './templates';

/** The answers of one bucket's analysis, kept in the workspace state. */
export interface RetentionInputs {
  inventory: string;
  logs: string;
  windowDays: number;
  asOf: string;
  engine: EngineKind;
}

/** What a caller (a test, the panel, another extension) may pass instead of being asked. */
export interface FindUnusedPrefixesArgs extends Partial<RetentionInputs> {
  bucket?: string;
  /** The connection the bucket is on (the tree node's); the default one when not given. */
  connectionId?: string;
  /** Only the prefixes at or under this one (the tree's context menu on a prefix). */
  underPrefix?: string;
  /** Go on although more log days are missing than allowed (the report says so). */
  allowMissingLogs?: boolean;
  /** Go on although more access-log lines are malformed than allowed (the report says so). */
  allowMalformedLogs?: boolean;
  /** Ask every question again, with the remembered answers as defaults. */
  askAll?: boolean;
  /** Run with the remembered answers without the confirmation pick (tests and scripts). */
  noConfirm?: boolean;
}

/** The default connection keeps the key it always had; another's answers are its own. */
export const retentionInputsKey = (bucket: string, connectionId: string) =>
  connectionId === DEFAULT_CONNECTION_ID ? `retentionInputs:${bucket}` : `retentionInputs:${connectionId}:${bucket}`;

function yesterdayUtc(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

function argsFrom(raw: unknown): FindUnusedPrefixesArgs {
  if (typeof raw !== 'object' || raw === null) return {};
  const node = raw as Partial<BucketTreeNode> & Record<string, unknown>;
  const connection = (raw as { connection?: { id?: unknown } }).connection;
  const connectionId = typeof connection?.id === 'string' ? connection.id : undefined;
  if (node.kind === 'bucket' && typeof node.bucket === 'string') return { bucket: node.bucket, ...(connectionId ? { connectionId } : {}) };
  if (node.kind === 'prefix' && typeof node.bucket === 'string' && typeof node.prefix === 'string')
    return { bucket: node.bucket, underPrefix: prefixOfFolder(node.prefix), ...(connectionId ? { connectionId } : {}) };
  return raw as FindUnusedPrefixesArgs;
}

/** Asks which bucket: a pick of the connection's buckets, or its name when they cannot be listed. */
export async function pickBucket(studio: Studio, title = vscode.l10n.t('Find Unused Prefixes: which bucket?')): Promise<string | undefined> {
  const buckets = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Listing buckets…') }, () =>
    studio
      .s3Service()
      .listBuckets()
      .catch(() => []),
  );
  if (buckets.length > 0) {
    const picked = await vscode.window.showQuickPick(
      buckets.map((b) => ({ label: b.name })),
      { title, placeHolder: vscode.l10n.t('The bucket whose inventory and access logs to analyse') },
    );
    return picked?.label;
  }
  return vscode.window.showInputBox({
    title,
    validateInput: (v) => (isValidBucketName(v) ? undefined : vscode.l10n.t('A bucket name: 3–63 lowercase letters, digits, dots or hyphens.')),
  });
}

/** A location relative to the workspace folder made absolute; s3:// and file:// URIs as they are. */
export function resolveLocation(location: string): string {
  const base = workspaceFolder()?.uri.fsPath;
  return location === '' || /^(s3|file):\/\//.test(location) || isAbsolute(location) || !base ? location : join(base, location);
}

export function checkLocation(value: string): string | undefined {
  if (value.trim() === '') return vscode.l10n.t('Required: an s3:// URI or a local folder.');
  if (value.startsWith('s3://') && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(value)) return vscode.l10n.t('Write it as s3://bucket/prefix/.');
  return undefined;
}

async function askInputs(studio: Studio, bucket: string, defaults: Partial<RetentionInputs>, askAll: boolean): Promise<RetentionInputs | undefined> {
  const settings = studio.settings;
  const ask = (key: keyof RetentionInputs) => askAll || defaults[key] === undefined;
  let inventory = defaults.inventory ?? settings.query.inventoryLocation;
  if (askAll || !inventory) {
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('Inventory of s3://{0}', bucket),
      prompt: vscode.l10n.t('An inventory manifest.json, or the inventory destination (the newest report is used): s3://… or a local folder'),
      value: inventory,
      ignoreFocusOut: true,
      validateInput: checkLocation,
    });
    if (answer === undefined) return undefined;
    inventory = answer.trim();
  }
  let logs = defaults.logs ?? settings.query.logsLocation;
  if (askAll || !logs) {
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('Server access logs of s3://{0}', bucket),
      prompt: vscode.l10n.t("Where the bucket's access logs are delivered (target bucket and prefix): s3://… or a local folder"),
      value: logs,
      ignoreFocusOut: true,
      validateInput: checkLocation,
    });
    if (answer === undefined) return undefined;
    logs = answer.trim();
  }
  // Window and engine have defaults in the settings: asked the first time (one Enter keeps them), then remembered.
  let windowDays = defaults.windowDays ?? settings.retention.windowDays;
  if (ask('windowDays')) {
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('Access window (days)'),
      prompt: vscode.l10n.t('A prefix with no read in these days is unused (default: s3lifecycle.retention.windowDays)'),
      value: String(windowDays),
      validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 3650 ? undefined : vscode.l10n.t('A whole number of days from 1 to 3650.')),
    });
    if (answer === undefined) return undefined;
    windowDays = Number(answer);
  }
  let asOf = defaults.asOf;
  if (ask('asOf')) {
    const answer = await vscode.window.showInputBox({
      title: vscode.l10n.t('As-of date (UTC)'),
      prompt: vscode.l10n.t('The last day of the {0}-day window, YYYY-MM-DD (both ends included)', windowDays),
      value: asOf ?? yesterdayUtc(),
      validateInput: (v) => {
        try {
          accessWindow(v, windowDays);
          return undefined;
        } catch (error) {
          return (error as Error).message;
        }
      },
    });
    if (answer === undefined) return undefined;
    asOf = answer.trim();
  }
  let engine = defaults.engine ?? settings.engine;
  if (ask('engine')) {
    // The current engine first: Enter keeps it.
    const kinds = [engine, ...ENGINE_KINDS.filter((kind) => kind !== engine)];
    const picked = await vscode.window.showQuickPick(
      kinds.map((kind) => ({
        label: kind === 'local' ? vscode.l10n.t('Embedded DuckDB (local)') : vscode.l10n.t('Amazon Athena'),
        description: kind === engine ? vscode.l10n.t('current') : undefined,
        detail:
          kind === 'local'
            ? vscode.l10n.t('On this machine: reads the inventory and the logs, nothing is billed')
            : vscode.l10n.t('Distributed, for big estates: the inventory and access-log tables must exist in Athena; billed per byte scanned'),
        engineKind: kind,
      })),
      { title: vscode.l10n.t('Engine for s3://{0}', bucket), ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    engine = picked.engineKind;
  }
  return { inventory, logs, windowDays, asOf: asOf!, engine };
}

/** A last look at what will run, with a way to change it: one Enter runs it. */
async function confirmInputs(bucket: string, inputs: RetentionInputs): Promise<'run' | 'change' | undefined> {
  const run = {
    label: vscode.l10n.t('$(play) Analyse s3://{0}', bucket),
    detail: vscode.l10n.t(
      '{0} days to {1} · {2} engine · inventory {3} · logs {4}',
      inputs.windowDays,
      inputs.asOf,
      inputs.engine,
      inputs.inventory,
      inputs.logs,
    ),
    action: 'run' as const,
  };
  const change = {
    label: vscode.l10n.t('$(edit) Change the inputs…'),
    detail: vscode.l10n.t('Inventory, access logs, window, as-of date, engine'),
    action: 'change' as const,
  };
  const picked = await vscode.window.showQuickPick([run, change], { title: vscode.l10n.t('Find Unused Prefixes'), ignoreFocusOut: true });
  return picked?.action;
}

export async function findUnusedPrefixes(studio: Studio, raw?: unknown): Promise<RetentionReport | undefined> {
  const args = argsFrom(raw);
  const bucket = args.bucket ?? (await pickBucket(studio));
  if (!bucket) return undefined;
  const connectionId = args.connectionId ?? DEFAULT_CONNECTION_ID;
  const state = studio.extensionContext.workspaceState;
  const remembered = state.get<Partial<RetentionInputs>>(retentionInputsKey(bucket, connectionId), {});
  const given = Object.fromEntries(
    Object.entries({ inventory: args.inventory, logs: args.logs, windowDays: args.windowDays, asOf: args.asOf, engine: args.engine }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  let inputs = await askInputs(studio, bucket, { ...remembered, ...given }, args.askAll === true);
  if (!inputs) return undefined;
  const complete = remembered.asOf !== undefined && !args.askAll;
  if (complete && !args.noConfirm) {
    const choice = await confirmInputs(bucket, inputs);
    if (!choice) return undefined;
    if (choice === 'change') {
      inputs = await askInputs(studio, bucket, inputs, true);
      if (!inputs) return undefined;
    }
  }
  await state.update(retentionInputsKey(bucket, connectionId), inputs);
  return analyse(studio, bucket, inputs, { ...args, connectionId });
}

async function analyse(studio: Studio, bucket: string, inputs: RetentionInputs, args: FindUnusedPrefixesArgs): Promise<RetentionReport | undefined> {
  const settings = studio.settings;
  const connection = studio.connection(args.connectionId);
  const engine = await studio.queryEngine(inputs.engine, connection);
  studio.log.info(`Find Unused Prefixes on s3://${bucket}: ${JSON.stringify(inputs)}${args.allowMissingLogs ? ' (missing log days allowed)' : ''}`);
  // A keep tag that is not one throws here, naming the setting (the settings reader already warned of it).
  const options = retentionOptions(
    settings,
    connection,
    { bucket, inventory: resolveLocation(inputs.inventory), logs: resolveLocation(inputs.logs), asOf: inputs.asOf, windowDays: inputs.windowDays },
    {
      allowMissingLogs: args.allowMissingLogs === true,
      allowMalformedLogs: args.allowMalformedLogs === true,
    },
  );
  const catalog = retentionCatalogFor(studio);
  let report: RetentionReport;
  try {
    report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Finding unused prefixes in s3://{0}', bucket), cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const subscription = token.onCancellationRequested(() => controller.abort());
        try {
          return await runRetention(studio.current, engine, catalog, connection, options, {
            signal: controller.signal,
            onProgress: (step: string) => progress.report({ message: step }),
            onPriceLookup: (region) => progress.report({ message: vscode.l10n.t('Looking up the storage prices of {0}', region) }),
            onPriceNote: (note) => studio.log.warn(`Find Unused Prefixes: ${note}`),
          });
        } finally {
          subscription.dispose();
        }
      },
    );
  } catch (error) {
    if (error instanceof QueryCancelledError || (error as Error).name === 'AbortError') {
      studio.log.info('Find Unused Prefixes: cancelled');
      return undefined;
    }
    if (error instanceof LogCoverageError) {
      studio.log.warn(`Find Unused Prefixes stopped: ${error.message}`);
      const anyway = vscode.l10n.t('Analyse Anyway');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Access logs are missing in the window'),
        { modal: true, detail: `${error.message}\n\n${vscode.l10n.t('Analysing anyway may mark live data as unused. The report will state the coverage.')}` },
        anyway,
      );
      if (choice !== anyway) return undefined;
      studio.log.warn(`Find Unused Prefixes: the user chose to analyse s3://${bucket} with missing log days`);
      return analyse(studio, bucket, inputs, { ...args, allowMissingLogs: true });
    }
    if (error instanceof MalformedLogLinesError) {
      studio.log.warn(`Find Unused Prefixes stopped: ${error.message}`);
      const anyway = vscode.l10n.t('Analyse Anyway');
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t('Access-log lines could not be read'),
        {
          modal: true,
          detail: `${error.message}\n\n${vscode.l10n.t('Analysing anyway may mark live data as unused. The report will state how many lines were not read.')}`,
        },
        anyway,
      );
      if (choice !== anyway) return undefined;
      studio.log.warn(`Find Unused Prefixes: the user chose to analyse s3://${bucket} with ${error.malformed.lines} malformed log lines`);
      return analyse(studio, bucket, inputs, { ...args, allowMalformedLogs: true });
    }
    throw error;
  }
  if (args.underPrefix) report = reportUnder(report, args.underPrefix);
  studio.log.info(
    `Find Unused Prefixes on s3://${bucket}: ${report.totals.prefixes} unused prefixes, ${report.totals.objects} objects, ${report.totals.bytes} bytes; coverage ${report.coverage.daysWithLogs}/${report.coverage.days} days`,
  );
  for (const note of report.notes) studio.log.info(`  ${note}`);
  studio.reports.remember(report, connection.id);
  studio.panels.showReport(report);
  return report;
}
