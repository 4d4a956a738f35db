// Tagging unused prefixes for expiration from VS Code: a dry-run preview (objects, bytes, requests,
// cost, the lifecycle rule diff), a confirmation (typing the bucket name above a threshold), the
// run with cancellable progress, a checkpoint to resume from, an audit log, and undo.

import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import {
  confirmResume,
  continueExpiration,
  olderThanDaysBefore,
  olderThanForWindow,
  planExpiration,
  planResume,
  startExpiration,
  undoExpiration,
  writeExpirationManifest,
  type ExpirationContext,
  type ExpirationOutcome,
  type ExpirationPlan,
  type ExpirationRequest,
} from '../app/tagForExpiration';
import { BATCH_OPERATIONS_TAGGING_WARNING } from '../aws/batchManifest';
import type { TaggingProgress, TargetSelection } from '../aws/tagging';
import { formatBytes, formatCount, formatUsd } from '../core/format';
import { prefixOfFolder } from '../core/prefix';
import { DELETE_MARKER_EXPLANATION } from '../core/retention/lifecycleRule';
import { listRuns, openRun, type DamagedLines, type RunHandle, type RunSummary } from '../core/retention/runStore';
import { parseKeepTagSetting, parseTagArg } from '../core/retention/tagSet';
import type { Studio } from '../studio';
import type { BucketTreeNode } from '../views/bucketTree';
import { workspaceFolder } from './templates';

export interface TagForExpirationArgs {
  bucket: string;
  /** The connection the bucket is on; when not given, the one its latest report was made through, else the default one. */
  connectionId?: string;
  prefixes: string[];
  /** Also add the rule that removes expired delete markers (it has no tag filter). */
  deleteMarkerRule?: boolean;
}

/**
 * What only the extension's own tests may ask for: skipping the preview's buttons and the typed
 * confirmation (the preview is still logged). Never read from command arguments — any extension,
 * keybinding or link can pass those — only given by the test surface activate() returns in test mode.
 */
export interface TrustedOptions {
  assumeYes?: boolean;
}

/** Command arguments that used to skip the confirmation are ignored, and the log says so. */
function warnIfAssumeYes(studio: Studio, raw: unknown, command: string): void {
  if (typeof raw === 'object' && raw !== null && 'assumeYes' in raw)
    studio.log.warn(`${command}: ignored "assumeYes" in the command's arguments: the preview and the confirmation are always shown.`);
}

export interface TagForExpirationResult {
  tagged: string[];
  runId?: string;
  auditLog?: string;
}

/** Where tagging runs keep their checkpoint and audit log: the workspace, else the extension's storage. */
export function runRoot(studio: Studio): string {
  const folder = workspaceFolder();
  return folder ? join(folder.uri.fsPath, '.s3-lifecycle', 'runs') : join(studio.extensionContext.globalStorageUri.fsPath, 'runs');
}

/** A tagging client of the bucket's connection and region, from the current scope, with the flow's settings. */
async function flowContext(studio: Studio, bucket: string, connectionId: string | undefined): Promise<{ context: ExpirationContext; release(): void }> {
  const scope = studio.current;
  const concurrency = studio.settings.expiration.concurrency;
  const connection = studio.connection(connectionId);
  const { client, release } = await scope.taggingClient(connection.id, { concurrency, bucket });
  return { context: { client, runRoot: runRoot(studio), concurrency, pricing: scope.priceLookup(connection) }, release };
}

function argsFrom(raw: unknown, studio: Studio): TagForExpirationArgs | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const node = raw as Partial<BucketTreeNode> & Record<string, unknown>;
  if (node.kind === 'prefix' && typeof node.bucket === 'string' && typeof node.prefix === 'string') {
    return {
      bucket: node.bucket,
      // The folder a/ holds the keys of analysis prefix a; a// holds those of a/.
      prefixes: [prefixOfFolder(node.prefix)],
      ...(typeof node.connection?.id === 'string' ? { connectionId: node.connection.id } : {}),
    };
  }
  const args = raw as Partial<TagForExpirationArgs>;
  if (
    typeof args.bucket === 'string' &&
    Array.isArray(args.prefixes) &&
    args.prefixes.every((p) => typeof p === 'string') &&
    (args.connectionId === undefined || typeof args.connectionId === 'string')
  ) {
    return {
      bucket: args.bucket,
      prefixes: [...args.prefixes],
      ...(args.deleteMarkerRule === true ? { deleteMarkerRule: true } : {}),
      connectionId: args.connectionId ?? studio.reports.connectionIdFor(args.bucket),
    };
  }
  studio.log.warn(`Tag for Expiration: ignored malformed arguments ${JSON.stringify(raw).slice(0, 200)}`);
  return undefined;
}

/** Objects modified on or after the window's first day are younger than the window: never tagged. */
function olderThanFor(studio: Studio, bucket: string): string {
  const report = studio.reports.reportFor(bucket);
  return report ? olderThanForWindow(report.window.start) : olderThanDaysBefore(new Date(), studio.settings.retention.windowDays);
}

function describeProgress(p: TaggingProgress): string {
  const skipped = Object.values(p.skipped).reduce((a, b) => a + b, 0);
  return vscode.l10n.t(
    '{0} tagged, {1} skipped, {2} failed of {3} listed · {4}/s',
    formatCount(p.tagged),
    formatCount(skipped),
    formatCount(p.failed),
    formatCount(p.listed),
    formatCount(Math.round(p.objectsPerSecond)),
  );
}

export async function tagForExpiration(studio: Studio, raw: unknown, signal?: AbortSignal, trusted: TrustedOptions = {}): Promise<TagForExpirationResult> {
  warnIfAssumeYes(studio, raw, 'Tag for Expiration');
  const args = argsFrom(raw, studio);
  if (!args || args.prefixes.length === 0) return { tagged: [] };
  const { bucket, prefixes, connectionId } = args;
  const settings = studio.settings;
  const request: ExpirationRequest = {
    selection: { bucket, prefixes, exemptGlobs: settings.retention.exemptGlobs, olderThan: olderThanFor(studio, bucket) },
    tag: parseTagArg(settings.expiration.tag, 's3lifecycle.expiration.tag'),
    keepTag: parseKeepTagSetting(settings.retention.keepTag, 's3lifecycle.retention.keepTag'),
    ...(connectionId ? { connectionId } : {}),
    rule: { days: settings.expiration.days, noncurrentDays: settings.expiration.noncurrentDays, deleteMarkerRule: args.deleteMarkerRule === true },
    previewDeleteMarkerVariant: true,
  };
  const { context, release } = await flowContext(studio, bucket, connectionId);
  try {
    // 1. The dry run: listing only, and the rule change without writing it.
    const plan = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Preparing the preview: listing {0} prefix(es) in s3://{1}', prefixes.length, bucket),
        cancellable: true,
      },
      (_progress, token) => planExpiration(context, request, linkedController(signal, token).signal),
    );
    logPreview(studio, plan);
    if (plan.ruleError !== undefined) throw plan.ruleError;
    if (plan.preview.objects === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Nothing to tag under the chosen prefixes of s3://{0}: no current object older than the window.', bucket),
      );
      return { tagged: [] };
    }
    // 2. The preview and the confirmation.
    const decision = trusted.assumeYes === true ? { action: 'tag' as const } : await confirmPlan(studio, plan, context);
    if (decision.action !== 'tag') return { tagged: [] };
    // 3. The run: checkpointed and audited; a cancel leaves it resumable. 4. The rule, guarded by the preview.
    const run = await startExpiration(context, plan, decision.deleteMarkerRule === true);
    studio.panels.setPrefixStatus({ bucket, prefixes, status: 'tagging' });
    return reportOutcome(studio, run, await runWithProgress(context, run, signal));
  } finally {
    release();
  }
}

/** The preview in the log: what the dialog shows, and the rule diff. */
function logPreview(studio: Studio, plan: ExpirationPlan): void {
  for (const note of plan.priceNotes) studio.log.warn(`Tag for expiration: ${note}`);
  const { bucket, prefixes } = plan.request.selection;
  studio.log.info(
    `Tag for expiration preview of s3://${bucket} ${JSON.stringify(prefixes).slice(0, 500)}:\n  ${describePlan(studio, plan).join('\n  ')}\n${plan.rule?.diff ?? ''}`,
  );
}

function describePlan(studio: Studio, plan: ExpirationPlan): string[] {
  const { preview: listing, rule, request } = plan;
  const { tag } = request;
  const settings = studio.settings;
  const { bucket, prefixes } = request.selection;
  const deleteMarkerRule = request.rule?.deleteMarkerRule === true;
  return [
    plan.resume
      ? vscode.l10n.t(
          'Resuming run {0}: {1} objects were finished before it stopped; about {2} of those listed now are left. Nothing changes before you confirm.',
          plan.resume.runId,
          formatCount(plan.resume.finished),
          formatCount(plan.resume.left),
        )
      : '',
    vscode.l10n.t(
      '{0} objects ({1}) under {2} prefix(es) of s3://{3} get the tag {4}={5}; every tag they already have is kept.',
      formatCount(listing.objects),
      formatBytes(listing.bytes),
      prefixes.length,
      bucket,
      tag.key,
      tag.value,
    ),
    vscode.l10n.t(
      'Requests: up to {0} GetObjectTagging + up to {1} PutObjectTagging (+ {2} listings) ≈ {3} ({5}); the tags cost ≈ {4} a month until the objects expire (us-east-1 list price).',
      formatCount(listing.requests.getTagging),
      formatCount(listing.requests.putTagging),
      formatCount(listing.listRequests),
      formatUsd(listing.requestCostUsd),
      formatUsd(listing.tagStorageUsdPerMonth),
      listing.requestPriceSource,
    ),
    listing.young + listing.exempt > 0
      ? vscode.l10n.t('Not tagged: {0} objects younger than the window, {1} exempt by your globs.', formatCount(listing.young), formatCount(listing.exempt))
      : '',
    listing.objectLock
      ? vscode.l10n.t(
          "The bucket has Object Lock: each object's retention and legal hold is read first ({0} GetObjectRetention and GetObjectLegalHold requests, in the cost above), locked objects are not tagged, and the run stops if it may not read them.",
          formatCount(listing.requests.objectLockReads),
        )
      : '',
    listing.versioned
      ? vscode.l10n.t(
          "S3 has no conditional tagging: a tag someone adds to an object in the instant between the run's last read of its tags and its write can be lost. Objects are tagged by version id, so a key overwritten during the run keeps its new version untagged.",
        )
      : vscode.l10n.t(
          "S3 has no conditional tagging: a tag someone adds to an object in the instant between the run's last read of its tags and its write can be lost. An object overwritten during the run is found (its ETag and date are checked after the put) and left without the tag.",
        ),
    !rule
      ? ''
      : rule.change === 'unchanged'
        ? vscode.l10n.t('The lifecycle rule "{0}" is already in place.', ruleId(rule))
        : vscode.l10n.t(
            'Lifecycle rule "{0}" will be {1}: objects tagged {2}={3} expire {4} days after their creation (older ones at the next lifecycle run){5}. Every other rule of the bucket is kept exactly.',
            ruleId(rule),
            rule.change,
            tag.key,
            tag.value,
            request.rule?.days ?? settings.expiration.days,
            rule.versioned
              ? vscode.l10n.t(
                  '; noncurrent versions {0} days after they become noncurrent',
                  request.rule?.noncurrentDays ?? request.rule?.days ?? settings.expiration.noncurrentDays,
                )
              : '',
          ),
    vscode.l10n.t('Until the rule runs, "S3 Lifecycle: Remove Expiration Tags" restores every tag set from the audit log.'),
    rule?.versioned && !deleteMarkerRule ? DELETE_MARKER_EXPLANATION : '',
  ].filter(Boolean);
}

/** The dialog: the diff beside it, the buttons, and the typed bucket name above the threshold. */
async function confirmPlan(
  studio: Studio,
  plan: ExpirationPlan,
  context: ExpirationContext,
): Promise<{ action: 'cancel' } | { action: 'tag'; deleteMarkerRule?: boolean }> {
  const { preview: listing, rule, withMarkers, request } = plan;
  const { bucket } = request.selection;
  const settings = studio.settings;
  if (!rule && !plan.resume) return { action: 'tag' };
  const deleteMarkerRule = request.rule?.deleteMarkerRule === true;
  if (rule && (rule.change !== 'unchanged' || (withMarkers && withMarkers.change !== 'unchanged'))) {
    const header = `# Lifecycle configuration of s3://${bucket}: the change (nothing is written before you confirm)`;
    const markersPart = withMarkers ? `\n\n# With "${vscode.l10n.t('Tag and Add Delete-Marker Rule')}": the change\n${withMarkers.diff}\n` : '';
    await studio.previews.show(`lifecycle-${bucket}.diff`, `${header}\n${rule.diff}\n${markersPart}`);
  }
  const go = vscode.l10n.t('Tag {0} Objects', formatCount(plan.resume ? plan.resume.left : listing.objects));
  const goWithMarkers = vscode.l10n.t('Tag and Add Delete-Marker Rule');
  const manifest = vscode.l10n.t('Write Batch Operations Manifest…');
  const buttons = [
    go,
    ...(rule?.versioned && !deleteMarkerRule ? [goWithMarkers] : []),
    ...(listing.objects > settings.expiration.batchOperationsThreshold ? [manifest] : []),
  ];
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Tag for expiration: dry-run preview'),
    { modal: true, detail: describePlan(studio, plan).join('\n\n') },
    ...buttons,
  );
  if (choice === undefined) return { action: 'cancel' };
  if (choice === manifest) {
    await offerBatchManifest(context, request.selection, listing.objects);
    return { action: 'cancel' };
  }
  if (listing.objects > settings.expiration.confirmThreshold) {
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Confirm tagging {0} objects for expiration', formatCount(listing.objects)),
      prompt: vscode.l10n.t('Type the bucket name, {0}, to confirm', bucket),
      ignoreFocusOut: true,
      validateInput: (v) => (v === bucket || v === '' ? undefined : vscode.l10n.t('That is not the bucket name.')),
    });
    if (typed !== bucket) return { action: 'cancel' };
  }
  return { action: 'tag', deleteMarkerRule: choice === goWithMarkers };
}

/** Status in the panel and a notification for how the run (new or resumed) ended. */
function reportOutcome(studio: Studio, run: RunHandle, outcome: ExpirationOutcome, resumed = false): TagForExpirationResult {
  const { bucket, prefixes } = run.spec;
  const { result } = outcome;
  const progress = result.progress;
  studio.log.info(`Tagging run ${run.id}: ${result.state}; ${JSON.stringify(progress)}; audit log ${result.auditPath}`);
  warnDamaged(studio, result.damaged);
  for (const failure of result.failures.slice(0, 50)) studio.log.warn(`  could not tag ${failure.key}: ${failure.reason}`);
  const unfinished = { tagged: [], runId: run.id, auditLog: run.auditPath };
  if (result.state === 'cancelled') {
    studio.panels.setPrefixStatus({ bucket, prefixes, status: 'untagged', detail: vscode.l10n.t('cancelled') });
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Tagging was cancelled after {0} objects. Resume it with "S3 Lifecycle: Resume Tagging Run…".', formatCount(progress.tagged)),
    );
    return unfinished;
  }
  if (progress.failed > 0) {
    studio.panels.setPrefixStatus({ bucket, prefixes, status: 'failed', detail: vscode.l10n.t('{0} objects failed', progress.failed) });
    void vscode.window.showErrorMessage(
      vscode.l10n.t(
        '{0} objects could not be tagged (see the log). Resume the run to retry them; the lifecycle rule was not changed.',
        formatCount(progress.failed),
      ),
    );
    return unfinished;
  }
  if (outcome.ruleError !== undefined) {
    // The tags are in place; the run stays resumable so that resuming writes the rule.
    const error = outcome.ruleError;
    const reason = error instanceof Error ? error.message : String(error);
    studio.log.error(`Lifecycle configuration of s3://${bucket} not written after run ${run.id}: ${error instanceof Error ? (error.stack ?? reason) : reason}`);
    studio.panels.setPrefixStatus({ bucket, prefixes, status: 'failed', detail: vscode.l10n.t('the lifecycle rule was not written') });
    const resume = vscode.l10n.t('Resume Tagging Run…');
    void vscode.window
      .showErrorMessage(
        vscode.l10n.t('The objects are tagged, but the lifecycle rule of s3://{0} was not written: {1} Resume the run to write it.', bucket, reason),
        resume,
      )
      .then((choice) => {
        if (choice === resume) void resumeTagging(studio, { runId: run.id });
      });
    return unfinished;
  }
  if (outcome.rule) studio.log.info(`Lifecycle configuration of s3://${bucket}: rule ${outcome.rule.change}, verified ${outcome.rule.verified}`);
  studio.panels.setPrefixStatus({ bucket, prefixes, status: 'tagged' });
  if (resumed) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Resumed run {0}: {1} objects tagged in all.', run.id, formatCount(progress.tagged)));
  } else {
    const openAudit = vscode.l10n.t('Open Audit Log');
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t(
          'Tagged {0} objects for expiration in s3://{1}; lifecycle rule {2}. {3}',
          formatCount(progress.tagged),
          bucket,
          outcome.rule?.change ?? 'unchanged',
          describeSkipped(progress),
        ),
        openAudit,
      )
      .then((choice) => {
        if (choice === openAudit) void vscode.window.showTextDocument(vscode.Uri.file(run.auditPath));
      });
  }
  return { tagged: [...prefixes], runId: run.id, auditLog: run.auditPath };
}

/** Torn lines skipped in a run's logs: in the log with their line numbers, and said once to the user. */
function warnDamaged(studio: Studio, damaged: readonly DamagedLines[]): void {
  for (const d of damaged) {
    studio.log.warn(d.describe());
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0} damaged line(s) skipped in {1} (a torn write); the lines around them were read. See the log for where.', d.count, basename(d.path)),
    );
  }
}

/** Why objects were not tagged, reason by reason: a 10-tag object or a keep tag is worth knowing. */
export function describeSkipped(p: Pick<TaggingProgress, 'skipped'>): string {
  const s = p.skipped;
  const parts = [
    s.alreadyTagged ? vscode.l10n.t('{0} already tagged', s.alreadyTagged.toLocaleString()) : '',
    s.keepTag ? vscode.l10n.t('{0} with the keep tag', s.keepTag.toLocaleString()) : '',
    s.tagLimit ? vscode.l10n.t('{0} with 10 tags already (no room for ours)', s.tagLimit.toLocaleString()) : '',
    s.conflictingTag ? vscode.l10n.t('{0} with the tag key at another value', s.conflictingTag.toLocaleString()) : '',
    s.young ? vscode.l10n.t('{0} younger than the window', s.young.toLocaleString()) : '',
    s.exempt ? vscode.l10n.t('{0} exempt by your globs', s.exempt.toLocaleString()) : '',
    s.locked ? vscode.l10n.t('{0} under Object Lock retention or a legal hold', s.locked.toLocaleString()) : '',
    s.changed ? vscode.l10n.t('{0} overwritten while being tagged (left without the tag)', s.changed.toLocaleString()) : '',
  ].filter(Boolean);
  return parts.length === 0 ? vscode.l10n.t('Nothing was skipped.') : vscode.l10n.t('Not tagged: {0}.', parts.join(', '));
}

function ruleId(rule: { ruleId: string }): string {
  return rule.ruleId;
}

function linkedController(signal: AbortSignal | undefined, token: vscode.CancellationToken): AbortController {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

/** Tags what is left of the run and writes its rule, behind a cancellable notification. */
async function runWithProgress(context: ExpirationContext, run: RunHandle, signal?: AbortSignal): Promise<ExpirationOutcome> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Tagging for expiration in s3://{0}', run.spec.bucket), cancellable: true },
    (progress, token) =>
      continueExpiration(context, run, {
        signal: linkedController(signal, token).signal,
        onProgress: (p: TaggingProgress) => progress.report({ message: describeProgress(p) }),
      }),
  );
}

async function offerBatchManifest(context: ExpirationContext, selection: TargetSelection, objects: number): Promise<void> {
  const location = await vscode.window.showInputBox({
    title: vscode.l10n.t('S3 Batch Operations manifest for {0} objects', formatCount(objects)),
    prompt: BATCH_OPERATIONS_TAGGING_WARNING,
    value: `s3://${selection.bucket}-batch-manifests/s3-lifecycle-studio/${selection.bucket}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`,
    ignoreFocusOut: true,
    validateInput: (v) => (/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9]\/.+\.csv$/.test(v) ? undefined : vscode.l10n.t('An s3://bucket/key.csv location.')),
  });
  if (!location) return;
  const written = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Writing the manifest to {0}', location), cancellable: true },
    (_p, token) => writeExpirationManifest(context.client, selection, location, linkedController(undefined, token).signal),
  );
  void vscode.window.showWarningMessage(
    vscode.l10n.t('Wrote {0} rows to {1}. {2}', formatCount(written.objects), written.location, BATCH_OPERATIONS_TAGGING_WARNING),
  );
}

function describeRun(run: RunSummary): vscode.QuickPickItem & { run: RunSummary } {
  return {
    label: `s3://${run.spec.bucket} · ${run.spec.prefixes.length === 1 ? run.spec.prefixes[0] || '(bucket root)' : vscode.l10n.t('{0} prefixes', run.spec.prefixes.length)}`,
    description: `${run.spec.kind} · ${run.state}`,
    detail: vscode.l10n.t(
      '{0} · {1} tagged, {2} audit lines · {3}',
      new Date(run.spec.createdAt).toLocaleString(),
      formatCount(run.counts && 'tagged' in run.counts ? run.counts.tagged : 0),
      formatCount(run.auditLines ?? 0),
      run.id,
    ),
    run,
  };
}

/** Undo: restores the tag sets of a run's audit log (keeping tags the user added since). */
export async function removeExpirationTags(studio: Studio, raw?: unknown, trusted: TrustedOptions = {}): Promise<{ restored: number } | undefined> {
  warnIfAssumeYes(studio, raw, 'Remove Expiration Tags');
  const runs = (await listRuns(runRoot(studio))).filter((r) => r.spec.kind === 'tag');
  let runId = typeof raw === 'object' && raw !== null && typeof (raw as { runId?: unknown }).runId === 'string' ? (raw as { runId: string }).runId : undefined;
  const assumeYes = trusted.assumeYes === true;
  if (!runId) {
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No tagging run in {0}.', runRoot(studio)));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(runs.map(describeRun), {
      title: vscode.l10n.t('Remove Expiration Tags: which run?'),
      placeHolder: vscode.l10n.t("The tag sets are restored from the run's audit log"),
    });
    if (!picked) return undefined;
    runId = picked.run.id;
  }
  const run = await openRun(runRoot(studio), runId);
  const alsoRule = vscode.l10n.t('Restore Tags and Remove the Rule');
  let removeRule = false;
  if (!assumeYes) {
    const restore = vscode.l10n.t('Restore Tags');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove the expiration tags of run {0}?', run.id),
      {
        modal: true,
        detail: vscode.l10n.t(
          "Every object of s3://{0} the run tagged gets back the tag set it had before. Tags added since are kept. The lifecycle rule stays unless you remove it too: that removes only this run's own rule, and not while another run's objects carry the same tag.",
          run.spec.bucket,
        ),
      },
      restore,
      alsoRule,
    );
    if (!choice) return undefined;
    removeRule = choice === alsoRule;
  }
  const { context, release } = await flowContext(studio, run.spec.bucket, run.spec.connectionId);
  try {
    const { result, ruleRemoved, ruleKept } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Restoring tag sets in s3://{0}', run.spec.bucket), cancellable: true },
      (progress, token) =>
        undoExpiration(context, run, {
          signal: linkedController(undefined, token).signal,
          removeRule,
          onProgress: (p) => progress.report({ message: vscode.l10n.t('{0} restored, {1} already clean', p.restored, p.alreadyClean) }),
        }),
    );
    studio.log.info(`Undo of run ${run.id}: ${JSON.stringify(result)}`);
    warnDamaged(studio, result.damaged);
    if (result.state !== 'finished') {
      // The rule stays until every tag set is back: objects still tagged must not lose it halfway.
      const again = vscode.l10n.t('Undoing again goes on where it stopped (undoing twice is safe); the lifecycle rule was left as it is.');
      if (result.state === 'cancelled')
        void vscode.window.showWarningMessage(
          vscode.l10n.t('Restoring the tag sets was cancelled after {0} objects. {1}', formatCount(result.restored), again),
        );
      else void vscode.window.showErrorMessage(vscode.l10n.t('{0} tag sets could not be restored (see the log). {1}', formatCount(result.failed), again));
      for (const failure of result.failures.slice(0, 50)) studio.log.warn(`  could not restore ${failure.key}: ${failure.reason}`);
      return { restored: result.restored };
    }
    studio.panels.setPrefixStatus({ bucket: run.spec.bucket, prefixes: run.spec.prefixes, status: 'untagged' });
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Restored the tag sets of {0} objects in s3://{1}{2}.',
        formatCount(result.restored),
        run.spec.bucket,
        ruleRemoved ? vscode.l10n.t(" and removed the run's lifecycle rule") : '',
      ),
    );
    if (removeRule && !ruleRemoved && ruleKept) {
      studio.log.info(`Undo of run ${run.id}: the lifecycle rule stays: ${ruleKept}`);
      void vscode.window.showInformationMessage(vscode.l10n.t('The lifecycle rule stays: {0}.', ruleKept));
    }
    return { restored: result.restored };
  } finally {
    release();
  }
}

/**
 * Picks up a cancelled or crashed run where it stopped: the preview is made again from the run's
 * checked spec and shown with the same confirmation as a new run before anything changes; finished
 * objects are not requested again.
 */
export async function resumeTagging(studio: Studio, raw?: unknown, trusted: TrustedOptions = {}): Promise<TagForExpirationResult | undefined> {
  warnIfAssumeYes(studio, raw, 'Resume Tagging Run');
  const runs = (await listRuns(runRoot(studio))).filter((r) => r.spec.kind === 'tag' && r.state !== 'finished');
  let runId = typeof raw === 'object' && raw !== null && typeof (raw as { runId?: unknown }).runId === 'string' ? (raw as { runId: string }).runId : undefined;
  const assumeYes = trusted.assumeYes === true;
  if (!runId) {
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No unfinished tagging run in {0}.', runRoot(studio)));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(runs.map(describeRun), { title: vscode.l10n.t('Resume Tagging Run') });
    if (!picked) return undefined;
    runId = picked.run.id;
  }
  const run = await openRun(runRoot(studio), runId);
  if (run.spec.kind !== 'tag') throw new Error(vscode.l10n.t('Run {0} is an undo; undo again to go on with it.', run.id));
  const { context, release } = await flowContext(studio, run.spec.bucket, run.spec.connectionId);
  try {
    const plan = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Preparing the preview of run {0}: listing s3://{1}', run.id, run.spec.bucket),
        cancellable: true,
      },
      (_progress, token) => planResume(context, run, { signal: linkedController(undefined, token).signal, previewDeleteMarkerVariant: true }),
    );
    logPreview(studio, plan);
    if (plan.ruleError !== undefined) throw plan.ruleError;
    const decision = assumeYes ? { action: 'tag' as const } : await confirmPlan(studio, plan, context);
    if (decision.action !== 'tag') return { tagged: [] };
    // The rule is written as in a new run: only while the configuration is the one this preview showed.
    await confirmResume(run, plan, decision.deleteMarkerRule === true);
    return reportOutcome(studio, run, await runWithProgress(context, run), true);
  } finally {
    release();
  }
}

/** At startup: an interrupted run is worth a notification, not a surprise later. */
export async function offerInterruptedRuns(studio: Studio): Promise<void> {
  const runs = (await listRuns(runRoot(studio)).catch(() => [])).filter((r) => r.spec.kind === 'tag' && r.state !== 'finished');
  if (runs.length === 0) return;
  const resume = vscode.l10n.t('Resume…');
  const buckets = [...new Set(runs.map((r) => `s3://${r.spec.bucket}`))].join(', ');
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('{0} tagging run(s) did not finish ({1}). Resume where they stopped?', runs.length, buckets),
    resume,
  );
  // One run goes on at once; with more, the user picks which.
  if (choice === resume) await resumeTagging(studio, runs.length === 1 ? { runId: runs[0]!.id } : undefined);
}
