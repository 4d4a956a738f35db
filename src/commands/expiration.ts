// Tagging unused prefixes for expiration from VS Code: a dry-run preview (objects, bytes, requests,
// cost, the lifecycle rule diff), a confirmation (typing the bucket name above a threshold), the
// run with cancellable progress, a checkpoint to resume from, an audit log, and undo.

import * as vscode from 'vscode';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../aws/s3Client';
import { ensureExpirationRule, removeExpirationRule } from '../aws/lifecycle';
import { listTaggingTargets, previewTagging, runTagging, undoTagging, type TaggingProgress } from '../aws/tagging';
import { BATCH_OPERATIONS_TAGGING_WARNING, writeBatchManifest } from '../aws/batchManifest';
import { resolveRequestPrices } from '../aws/priceList';
import { DELETE_MARKER_EXPLANATION } from '../core/retention/lifecycleRule';
import { parseTagArg } from '../core/retention/tagSet';
import { createRun, listRuns, openRun, type RunHandle, type RunSummary } from '../core/retention/runStore';
import { formatBytes } from '../core/format';
import type { Studio } from '../studio';
import type { BucketTreeNode } from '../views/bucketTree';
import { parseKeepTag } from './retention';
import { workspaceFolder } from './templates';

export interface TagForExpirationArgs {
  bucket: string;
  /** The connection the bucket is on; when not given, the one its latest report was made through, else the default one. */
  connectionId?: string;
  prefixes: string[];
  /** Skip the preview's buttons and the typed confirmation (tests and scripts; the preview is still logged). */
  assumeYes?: boolean;
  /** Also add the rule that removes expired delete markers (it has no tag filter). */
  deleteMarkerRule?: boolean;
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

async function taggingClient(studio: Studio, bucket: string, connectionId: string | undefined): Promise<S3Client> {
  const connection = studio.connection(connectionId);
  const region = connection.endpoint === '' ? await studio.clients().bucketRegion(connection, bucket) : undefined;
  return createS3Client({ ...connection, ...(region ? { region } : {}) }, process.env, { maxSockets: studio.settings.expiration.concurrency + 8, cacheMiddleware: true });
}

function argsFrom(raw: unknown, studio: Studio): TagForExpirationArgs | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const node = raw as Partial<BucketTreeNode> & Record<string, unknown>;
  if (node.kind === 'prefix' && typeof node.bucket === 'string' && typeof node.prefix === 'string') {
    return { bucket: node.bucket, prefixes: [node.prefix.replace(/\/+$/, '')], ...(typeof node.connection?.id === 'string' ? { connectionId: node.connection.id } : {}) };
  }
  const args = raw as Partial<TagForExpirationArgs>;
  if (typeof args.bucket === 'string' && Array.isArray(args.prefixes) && args.prefixes.every((p) => typeof p === 'string') && (args.connectionId === undefined || typeof args.connectionId === 'string')) {
    return { ...(args as TagForExpirationArgs), connectionId: args.connectionId ?? studio.connectionIdFor(args.bucket) };
  }
  studio.log.warn(`Tag for Expiration: ignored malformed arguments ${JSON.stringify(raw).slice(0, 200)}`);
  return undefined;
}

/** Objects modified on or after the window's first day are younger than the window: never tagged. */
function olderThanFor(studio: Studio, bucket: string): string {
  const report = studio.reportFor(bucket);
  if (report) return `${report.window.start}T00:00:00.000Z`;
  const days = studio.settings.retention.windowDays;
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10) + 'T00:00:00.000Z';
}

function describeProgress(p: TaggingProgress): string {
  const skipped = Object.values(p.skipped).reduce((a, b) => a + b, 0);
  return vscode.l10n.t('{0} tagged, {1} skipped, {2} failed of {3} listed · {4}/s', p.tagged.toLocaleString(), skipped.toLocaleString(), p.failed.toLocaleString(), p.listed.toLocaleString(), Math.round(p.objectsPerSecond).toLocaleString());
}

export async function tagForExpiration(studio: Studio, raw: unknown, signal?: AbortSignal): Promise<TagForExpirationResult> {
  const t = vscode.l10n.t;
  const args = argsFrom(raw, studio);
  if (!args || args.prefixes.length === 0) return { tagged: [] };
  const { bucket, prefixes, connectionId } = args;
  const settings = studio.settings;
  const tag = parseTagArg(settings.expiration.tag);
  const keepTag = parseKeepTag(settings.retention.keepTag);
  const spec = {
    bucket,
    prefixes,
    tag,
    keepTag,
    exemptGlobs: settings.retention.exemptGlobs,
    olderThan: olderThanFor(studio, bucket),
  };
  const client = await taggingClient(studio, bucket, connectionId);
  try {
    // 1. The dry run: listing only, and the rule change without writing it.
    const preview = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: t('Preparing the preview: listing {0} prefix(es) in s3://{1}', prefixes.length, bucket), cancellable: true },
      async (_progress, token) => {
        const controller = linkedController(signal, token);
        const ruleOptions = { tag, days: settings.expiration.days, noncurrentDays: settings.expiration.noncurrentDays, dryRun: true, signal: controller.signal };
        const requestPricing = await resolveRequestPrices({
          region: await client.config.region(),
          source: settings.retention.priceSource,
          customS3Endpoint: studio.connection(connectionId).endpoint !== '',
          profile: studio.connection(connectionId).profile,
          endpoint: settings.retention.priceListEndpoint,
          cacheDir: vscode.Uri.joinPath(studio.extensionContext.globalStorageUri, 'prices').fsPath,
          signal: controller.signal,
        });
        for (const note of requestPricing.notes) studio.log.warn(`Tag for expiration: ${note}`);
        const [listing, rule] = await Promise.all([
          previewTagging(client, spec, { signal: controller.signal, ...(requestPricing.prices ? { requestPrices: requestPricing.prices } : {}) }),
          ensureExpirationRule(client, bucket, { ...ruleOptions, deleteMarkerRule: args.deleteMarkerRule }),
        ]);
        // A versioned bucket is offered the delete-marker rule too: its diff is shown beside, so nothing is written unseen.
        const withMarkers = rule.versioned && !args.deleteMarkerRule ? await ensureExpirationRule(client, bucket, { ...ruleOptions, deleteMarkerRule: true }) : undefined;
        return { listing, rule, withMarkers };
      },
    );
    const { listing, rule, withMarkers } = preview;
    const summary = [
      t('{0} objects ({1}) under {2} prefix(es) of s3://{3} get the tag {4}={5}; every tag they already have is kept.', listing.objects.toLocaleString(), formatBytes(listing.bytes), prefixes.length, bucket, tag.key, tag.value),
      t('Requests: {0} GetObjectTagging + up to {1} PutObjectTagging (+ {2} listings) ≈ ${3} ({5}); the tags cost ≈ ${4} a month until the objects expire (us-east-1 list price).', listing.requests.getTagging.toLocaleString(), listing.requests.putTagging.toLocaleString(), listing.listRequests.toLocaleString(), listing.requestCostUsd.toFixed(4), listing.tagStorageUsdPerMonth.toFixed(4), listing.requestPriceSource),
      listing.young + listing.exempt > 0 ? t('Not tagged: {0} objects younger than the window, {1} exempt by your globs.', listing.young.toLocaleString(), listing.exempt.toLocaleString()) : '',
      listing.objectLock ? t('The bucket has Object Lock: each object\'s retention and legal hold is read first ({0} HeadObject requests, in the cost above), and locked objects are not tagged.', listing.requests.headObject.toLocaleString()) : '',
      rule.change === 'unchanged'
        ? t('The lifecycle rule "{0}" is already in place.', ruleId(rule))
        : t('Lifecycle rule "{0}" will be {1}: objects tagged {2}={3} expire {4} days after their creation (older ones at the next lifecycle run){5}. Every other rule of the bucket is kept exactly.', ruleId(rule), rule.change, tag.key, tag.value, settings.expiration.days, rule.versioned ? t('; noncurrent versions {0} days after they become noncurrent', settings.expiration.noncurrentDays) : ''),
      t('Until the rule runs, "S3 Lifecycle: Remove Expiration Tags" restores every tag set from the audit log.'),
      rule.versioned && !args.deleteMarkerRule ? DELETE_MARKER_EXPLANATION : '',
    ].filter(Boolean);
    studio.log.info(`Tag for expiration preview of s3://${bucket} ${JSON.stringify(prefixes).slice(0, 500)}:\n  ${summary.join('\n  ')}\n${rule.diff}`);
    if (listing.objects === 0) {
      void vscode.window.showInformationMessage(t('Nothing to tag under the chosen prefixes of s3://{0}: no current object older than the window.', bucket));
      return { tagged: [] };
    }

    let deleteMarkerRule = args.deleteMarkerRule === true;
    if (!args.assumeYes) {
      if (rule.change !== 'unchanged' || (withMarkers && withMarkers.change !== 'unchanged')) {
        const header = `# Lifecycle configuration of s3://${bucket}: the change (nothing is written before you confirm)`;
        const markersPart = withMarkers ? `\n\n# With "${t('Tag and Add Delete-Marker Rule')}": the change\n${withMarkers.diff}\n` : '';
        await studio.previews.show(`lifecycle-${bucket}.diff`, `${header}\n${rule.diff}\n${markersPart}`);
      }
      const go = t('Tag {0} Objects', listing.objects.toLocaleString());
      const goWithMarkers = t('Tag and Add Delete-Marker Rule');
      const manifest = t('Write Batch Operations Manifest…');
      const buttons = [go, ...(rule.versioned && !deleteMarkerRule ? [goWithMarkers] : []), ...(listing.objects > settings.expiration.batchOperationsThreshold ? [manifest] : [])];
      const choice = await vscode.window.showWarningMessage(t('Tag for expiration: dry-run preview'), { modal: true, detail: summary.join('\n\n') }, ...buttons);
      if (choice === undefined) return { tagged: [] };
      if (choice === manifest) {
        await offerBatchManifest(client, spec, listing.objects);
        return { tagged: [] };
      }
      if (choice === goWithMarkers) deleteMarkerRule = true;
      if (listing.objects > settings.expiration.confirmThreshold) {
        const typed = await vscode.window.showInputBox({
          title: t('Confirm tagging {0} objects for expiration', listing.objects.toLocaleString()),
          prompt: t('Type the bucket name, {0}, to confirm', bucket),
          ignoreFocusOut: true,
          validateInput: (v) => (v === bucket || v === '' ? undefined : t('That is not the bucket name.')),
        });
        if (typed !== bucket) return { tagged: [] };
      }
    }

    // 2. The run: checkpointed and audited; a cancel leaves it resumable.
    const run = await createRun(runRoot(studio), {
      ...spec,
      ...(connectionId ? { connectionId } : {}),
      kind: 'tag',
      versioned: rule.versioned,
      lifecycleRule: { days: settings.expiration.days, noncurrentDays: rule.versioned ? settings.expiration.noncurrentDays : null, deleteMarkerRule },
    });
    studio.panels.setPrefixStatus({ bucket, prefixes, status: 'tagging' });
    const outcome = await runWithProgress(studio, client, run, signal);
    if (outcome.cancelled) {
      studio.panels.setPrefixStatus({ bucket, prefixes, status: 'untagged', detail: t('cancelled') });
      void vscode.window.showWarningMessage(t('Tagging was cancelled after {0} objects. Resume it with "S3 Lifecycle: Resume Tagging Run…".', outcome.progress.tagged.toLocaleString()));
      return { tagged: [], runId: run.id, auditLog: run.auditPath };
    }
    if (outcome.progress.failed > 0) {
      studio.panels.setPrefixStatus({ bucket, prefixes, status: 'failed', detail: t('{0} objects failed', outcome.progress.failed) });
      void vscode.window.showErrorMessage(t('{0} objects could not be tagged (see the log). Resume the run to retry them; the lifecycle rule was not changed.', outcome.progress.failed.toLocaleString()));
      return { tagged: [], runId: run.id, auditLog: run.auditPath };
    }

    // 3. The rule, after the tags: an object is never under a rule before the user's tags are merged.
    // Written only if the configuration is still the one the preview showed.
    let applied;
    try {
      applied = await ensureExpirationRule(client, bucket, { tag, days: settings.expiration.days, noncurrentDays: settings.expiration.noncurrentDays, deleteMarkerRule, dryRun: false, expectBefore: rule.before, signal });
    } catch (error) {
      // The tags are in place; the run stays resumable so that resuming writes the rule.
      const reason = error instanceof Error ? error.message : String(error);
      await run.update({ state: 'failed', error: `the lifecycle rule was not written: ${reason}` });
      studio.log.error(`Lifecycle configuration of s3://${bucket} not written after run ${run.id}: ${error instanceof Error ? (error.stack ?? reason) : reason}`);
      studio.panels.setPrefixStatus({ bucket, prefixes, status: 'failed', detail: t('the lifecycle rule was not written') });
      const resume = t('Resume Tagging Run…');
      void vscode.window.showErrorMessage(t('The objects are tagged, but the lifecycle rule of s3://{0} was not written: {1} Resume the run to write it.', bucket, reason), resume).then((choice) => {
        if (choice === resume) void resumeTagging(studio, { runId: run.id });
      });
      return { tagged: [], runId: run.id, auditLog: run.auditPath };
    }
    studio.log.info(`Lifecycle configuration of s3://${bucket}: rule ${applied.change}, verified ${applied.verified}`);
    studio.panels.setPrefixStatus({ bucket, prefixes, status: 'tagged' });
    const openAudit = t('Open Audit Log');
    void vscode.window
      .showInformationMessage(t('Tagged {0} objects for expiration in s3://{1}; lifecycle rule {2}. {3}', outcome.progress.tagged.toLocaleString(), bucket, applied.change, describeSkipped(outcome.progress)), openAudit)
      .then((choice) => {
        if (choice === openAudit) void vscode.window.showTextDocument(vscode.Uri.file(run.auditPath));
      });
    return { tagged: prefixes, runId: run.id, auditLog: run.auditPath };
  } finally {
    client.destroy();
  }
}

/** Why objects were not tagged, reason by reason: a 10-tag object or a keep tag is worth knowing. */
export function describeSkipped(p: Pick<TaggingProgress, 'skipped'>): string {
  const t = vscode.l10n.t;
  const s = p.skipped;
  const parts = [
    s.alreadyTagged ? t('{0} already tagged', s.alreadyTagged.toLocaleString()) : '',
    s.keepTag ? t('{0} with the keep tag', s.keepTag.toLocaleString()) : '',
    s.tagLimit ? t('{0} with 10 tags already (no room for ours)', s.tagLimit.toLocaleString()) : '',
    s.conflictingTag ? t('{0} with the tag key at another value', s.conflictingTag.toLocaleString()) : '',
    s.young ? t('{0} younger than the window', s.young.toLocaleString()) : '',
    s.exempt ? t('{0} exempt by your globs', s.exempt.toLocaleString()) : '',
    s.locked ? t('{0} under Object Lock retention or a legal hold', s.locked.toLocaleString()) : '',
  ].filter(Boolean);
  return parts.length === 0 ? t('Nothing was skipped.') : t('Not tagged: {0}.', parts.join(', '));
}

function ruleId(rule: { after: { ID?: string }[]; before: { ID?: string }[] }): string {
  return rule.after.find((r) => r.ID?.startsWith('s3-lifecycle-studio'))?.ID ?? 's3-lifecycle-studio-expire';
}

function linkedController(signal: AbortSignal | undefined, token: vscode.CancellationToken): AbortController {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  signal?.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

async function runWithProgress(studio: Studio, client: S3Client, run: RunHandle, signal?: AbortSignal): Promise<{ progress: TaggingProgress; cancelled: boolean }> {
  const t = vscode.l10n.t;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: t('Tagging for expiration in s3://{0}', run.spec.bucket), cancellable: true },
    async (progress, token) => {
      const controller = linkedController(signal, token);
      const result = await runTagging(client, run, {
        concurrency: studio.settings.expiration.concurrency,
        signal: controller.signal,
        onProgress: (p: TaggingProgress) => progress.report({ message: describeProgress(p) }),
      });
      studio.log.info(`Tagging run ${run.id}: ${result.state}; ${JSON.stringify(result.progress)}; audit log ${result.auditPath}`);
      for (const failure of result.failures.slice(0, 50)) studio.log.warn(`  could not tag ${failure.key}: ${failure.reason}`);
      return { progress: result.progress, cancelled: result.state === 'cancelled' };
    },
  );
}

async function offerBatchManifest(client: S3Client, spec: Parameters<typeof previewTagging>[1], objects: number): Promise<void> {
  const t = vscode.l10n.t;
  const location = await vscode.window.showInputBox({
    title: t('S3 Batch Operations manifest for {0} objects', objects.toLocaleString()),
    prompt: BATCH_OPERATIONS_TAGGING_WARNING,
    value: `s3://${spec.bucket}-batch-manifests/s3-lifecycle-studio/${spec.bucket}-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`,
    ignoreFocusOut: true,
    validateInput: (v) => (/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9]\/.+\.csv$/.test(v) ? undefined : t('An s3://bucket/key.csv location.')),
  });
  if (!location) return;
  const written = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Writing the manifest to {0}', location), cancellable: true }, (_p, token) => {
    const controller = linkedController(undefined, token);
    return writeBatchManifest(client, listTaggingTargets(client, spec, { signal: controller.signal }), location, controller.signal);
  });
  void vscode.window.showWarningMessage(t('Wrote {0} rows to {1}. {2}', written.objects.toLocaleString(), written.location, BATCH_OPERATIONS_TAGGING_WARNING));
}

function describeRun(run: RunSummary): vscode.QuickPickItem & { run: RunSummary } {
  return {
    label: `s3://${run.spec.bucket} · ${run.spec.prefixes.length === 1 ? run.spec.prefixes[0] || '(bucket root)' : vscode.l10n.t('{0} prefixes', run.spec.prefixes.length)}`,
    description: `${run.spec.kind} · ${run.state}`,
    detail: vscode.l10n.t('{0} · {1} tagged, {2} audit lines · {3}', new Date(run.spec.createdAt).toLocaleString(), (run.counts && 'tagged' in run.counts ? run.counts.tagged : 0).toLocaleString(), (run.auditLines ?? 0).toLocaleString(), run.id),
    run,
  };
}

/** Undo: restores the tag sets of a run's audit log (keeping tags the user added since). */
export async function removeExpirationTags(studio: Studio, raw?: unknown): Promise<{ restored: number } | undefined> {
  const t = vscode.l10n.t;
  const runs = (await listRuns(runRoot(studio))).filter((r) => r.spec.kind === 'tag');
  let runId = typeof raw === 'object' && raw !== null && typeof (raw as { runId?: unknown }).runId === 'string' ? (raw as { runId: string }).runId : undefined;
  const assumeYes = typeof raw === 'object' && raw !== null && (raw as { assumeYes?: unknown }).assumeYes === true;
  if (!runId) {
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(t('No tagging run in {0}.', runRoot(studio)));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(runs.map(describeRun), { title: t('Remove Expiration Tags: which run?'), placeHolder: t('The tag sets are restored from the run\'s audit log') });
    if (!picked) return undefined;
    runId = picked.run.id;
  }
  const run = await openRun(runRoot(studio), runId);
  const alsoRule = t('Restore Tags and Remove the Rule');
  let removeRule = false;
  if (!assumeYes) {
    const restore = t('Restore Tags');
    const choice = await vscode.window.showWarningMessage(
      t('Remove the expiration tags of run {0}?', run.id),
      { modal: true, detail: t('Every object of s3://{0} the run tagged gets back the tag set it had before. Tags added since are kept. The lifecycle rule stays unless you remove it too (other runs may rely on it).', run.spec.bucket) },
      restore,
      alsoRule,
    );
    if (!choice) return undefined;
    removeRule = choice === alsoRule;
  }
  const client = await taggingClient(studio, run.spec.bucket, run.spec.connectionId);
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Restoring tag sets in s3://{0}', run.spec.bucket), cancellable: true }, (progress, token) => {
      const controller = linkedController(undefined, token);
      return undoTagging(client, run, { root: runRoot(studio), concurrency: studio.settings.expiration.concurrency, signal: controller.signal, onProgress: (p: { restored: number; alreadyClean: number }) => progress.report({ message: t('{0} restored, {1} already clean', p.restored, p.alreadyClean) }) });
    });
    studio.log.info(`Undo of run ${run.id}: ${JSON.stringify(result)}`);
    if (result.state !== 'finished') {
      // The rule stays until every tag set is back: objects still tagged must not lose it halfway.
      const again = t('Undoing again goes on where it stopped (undoing twice is safe); the lifecycle rule was left as it is.');
      if (result.state === 'cancelled') void vscode.window.showWarningMessage(t('Restoring the tag sets was cancelled after {0} objects. {1}', result.restored.toLocaleString(), again));
      else void vscode.window.showErrorMessage(t('{0} tag sets could not be restored (see the log). {1}', result.failed.toLocaleString(), again));
      for (const failure of result.failures.slice(0, 50)) studio.log.warn(`  could not restore ${failure.key}: ${failure.reason}`);
      return { restored: result.restored };
    }
    if (removeRule) await removeExpirationRule(client, run.spec.bucket, {});
    studio.panels.setPrefixStatus({ bucket: run.spec.bucket, prefixes: run.spec.prefixes, status: 'untagged' });
    void vscode.window.showInformationMessage(t('Restored the tag sets of {0} objects in s3://{1}{2}.', result.restored.toLocaleString(), run.spec.bucket, removeRule ? t(' and removed the lifecycle rule') : ''));
    return { restored: result.restored };
  } finally {
    client.destroy();
  }
}

/** Picks up a cancelled or crashed run where it stopped: finished objects are not requested again. */
export async function resumeTagging(studio: Studio, raw?: unknown): Promise<TagForExpirationResult | undefined> {
  const t = vscode.l10n.t;
  const runs = (await listRuns(runRoot(studio))).filter((r) => r.spec.kind === 'tag' && r.state !== 'finished');
  let runId = typeof raw === 'object' && raw !== null && typeof (raw as { runId?: unknown }).runId === 'string' ? (raw as { runId: string }).runId : undefined;
  if (!runId) {
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(t('No unfinished tagging run in {0}.', runRoot(studio)));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(runs.map(describeRun), { title: t('Resume Tagging Run') });
    if (!picked) return undefined;
    runId = picked.run.id;
  }
  const run = await openRun(runRoot(studio), runId);
  const client = await taggingClient(studio, run.spec.bucket, run.spec.connectionId);
  try {
    const outcome = await runWithProgress(studio, client, run);
    if (outcome.cancelled || outcome.progress.failed > 0) return { tagged: [], runId: run.id, auditLog: run.auditPath };
    const rule = run.spec.lifecycleRule;
    if (rule) {
      await ensureExpirationRule(client, run.spec.bucket, { tag: run.spec.tag, days: rule.days, ...(rule.noncurrentDays !== null ? { noncurrentDays: rule.noncurrentDays } : {}), deleteMarkerRule: rule.deleteMarkerRule, dryRun: false });
    }
    studio.panels.setPrefixStatus({ bucket: run.spec.bucket, prefixes: run.spec.prefixes, status: 'tagged' });
    void vscode.window.showInformationMessage(t('Resumed run {0}: {1} objects tagged in all.', run.id, outcome.progress.tagged.toLocaleString()));
    return { tagged: run.spec.prefixes, runId: run.id, auditLog: run.auditPath };
  } finally {
    client.destroy();
  }
}

/** At startup: an interrupted run is worth a notification, not a surprise later. */
export async function offerInterruptedRuns(studio: Studio): Promise<void> {
  const runs = (await listRuns(runRoot(studio)).catch(() => [])).filter((r) => r.spec.kind === 'tag' && r.state !== 'finished');
  if (runs.length === 0) return;
  const resume = vscode.l10n.t('Resume…');
  const buckets = [...new Set(runs.map((r) => `s3://${r.spec.bucket}`))].join(', ');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} tagging run(s) did not finish ({1}). Resume where they stopped?', runs.length, buckets), resume);
  // One run goes on at once; with more, the user picks which.
  if (choice === resume) await resumeTagging(studio, runs.length === 1 ? { runId: runs[0]!.id } : undefined);
}
