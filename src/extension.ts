// Extension entry point: builds the Studio context object, registers the command table, and shows
// an activation failure to the user instead of failing silently. Nothing else happens here.

import * as vscode from 'vscode';
import { registerCommands } from './commands/table';
import { offerInterruptedRuns, removeExpirationTags, resumeTagging, tagForExpiration, type TagForExpirationResult } from './commands/expiration';
import { findUnusedPrefixes } from './commands/findUnusedPrefixes';
import { exportDeletionGif, playDeletion } from './commands/playDeletion';
import { setAccessLogParserLog } from './core/accessLog/parser';
import type { RetentionReport } from './core/retention/report';
import type { StudioSettings } from './core/settings';
import { setDisplayLocale } from './core/format';
import { Studio } from './studio';
import type { BucketTreeProvider } from './views/bucketTree';
import type { TemplateValueStore } from './views/templateEditor';

/** Set by the bundle's first line (see esbuild.mjs): when this module started to load. */
declare const __s3lsLoadStart: number | undefined;

/** What activate() returns: a small API for tests and other extensions. */
export interface StudioApi {
  settings(): StudioSettings;
  settingsProblems(): string[];
  /** Number of `ready` handshakes of the open lifecycle panel, or undefined when none is open. */
  panelHandshakes(): number | undefined;
  /** The Buckets tree as the view reads it (for tests: the same children and items the view shows), and its filter. */
  bucketTree: Pick<BucketTreeProvider, 'getChildren' | 'getTreeItem' | 'setFilter'>;
  /** How long loading the bundle and activate() took, in milliseconds. */
  activationMs: number;
  /** The parameter values set per template (what Parameters… edits). */
  templateValues: TemplateValueStore;
  /** Export CSV of a results view (by its title) to a file, as the view's button does without the dialog. */
  exportResultsCsv(title: string, target: vscode.Uri): Promise<vscode.Uri | undefined>;
  /** The latest retention report of a bucket (what the panel shows). */
  retentionReport(bucket: string): RetentionReport | undefined;
  /**
   * Only when VS Code runs the extension's own tests (ExtensionMode.Test): the tagging commands
   * without their preview buttons and typed confirmation. Absent otherwise, and never reachable
   * through command arguments, so no other extension or keybinding can skip a confirmation.
   */
  testing?: StudioTestingApi;
}

export interface StudioTestingApi {
  /** "Tag for Expiration" as the command runs it, confirmed without asking; the preview is still logged. */
  tagForExpiration(args: { bucket: string; prefixes: string[]; connectionId?: string; deleteMarkerRule?: boolean }): Promise<TagForExpirationResult>;
  /** "Remove Expiration Tags" of one run, confirmed without asking (the rule stays). */
  removeExpirationTags(args: { runId: string }): Promise<{ restored: number } | undefined>;
  /** "Resume Tagging Run" of one run: the preview is made again and logged, then confirmed without asking. */
  resumeTagging(args: { runId: string }): Promise<TagForExpirationResult | undefined>;
}

export function activate(context: vscode.ExtensionContext): StudioApi {
  const started = typeof __s3lsLoadStart === 'number' ? __s3lsLoadStart : performance.now();
  const logChannel = vscode.window.createOutputChannel('S3 Lifecycle Studio', { log: true });
  context.subscriptions.push(logChannel);
  try {
    setDisplayLocale(vscode.env.language);
    // The panel's buttons run the same commands; they are called only after activate() returns.
    const studio: Studio = new Studio(
      context,
      logChannel,
      {
        tagForExpiration: (bucket, prefixes, signal) => tagForExpiration(studio, { bucket, prefixes }, signal),
        findUnusedPrefixes: async (bucket) => {
          await findUnusedPrefixes(studio, bucket === undefined ? undefined : { bucket, connectionId: studio.reports.connectionIdFor(bucket) });
        },
      },
      {
        playDeletion: async () => {
          await playDeletion(studio);
        },
        exportGif: (session, frameDelayMs, signal) => exportDeletionGif(studio, session, frameDelayMs, signal),
      },
    );
    active = studio;
    setAccessLogParserLog(studio.log);
    context.subscriptions.push(studio, ...registerCommands(studio));
    void offerInterruptedRuns(studio).catch((error) => studio.log.warn(`Could not look for interrupted tagging runs: ${String(error)}`));
    const activationMs = Math.round((performance.now() - started) * 10) / 10;
    studio.log.info(`Activated in ${activationMs} ms`);
    return {
      bucketTree: {
        getChildren: (node) => studio.bucketTree.getChildren(node),
        getTreeItem: (node) => studio.bucketTree.getTreeItem(node),
        setFilter: (...args) => studio.bucketTree.setFilter(...args),
      },
      activationMs,
      templateValues: studio.templateValues,
      exportResultsCsv: (title, target) => studio.results.exportCsv(title, target),
      settings: () => studio.settings,
      settingsProblems: () => studio.settingsProblems,
      panelHandshakes: () => studio.panels.panel?.handshakes,
      retentionReport: (bucket) => studio.reports.reportFor(bucket),
      ...(context.extensionMode === vscode.ExtensionMode.Test
        ? {
            testing: {
              tagForExpiration: (args) => tagForExpiration(studio, args, undefined, { assumeYes: true }),
              removeExpirationTags: (args) => removeExpirationTags(studio, args, { assumeYes: true }),
              resumeTagging: (args) => resumeTagging(studio, args, { assumeYes: true }),
            } satisfies StudioTestingApi,
          }
        : {}),
    };
  } catch (error) {
    logChannel.error(`Activation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('S3 Lifecycle Studio could not start: {0}', error instanceof Error ? error.message : String(error)));
    throw error;
  }
}

let active: Studio | undefined;

/** Everything else is disposed through context.subscriptions; this waits for the engines to close (DuckDB flushes, Athena clients end). */
export async function deactivate(): Promise<void> {
  const studio = active;
  active = undefined;
  await studio?.close();
}
