// "Tag for expiration" as one flow for both shells: the request prices, the dry-run preview and
// the rule diff (the plan), the shell's confirmation, the checkpointed run, and the lifecycle rule
// written afterwards only if the configuration is still the one the preview showed — the same
// guard when a run is resumed. Undo and the S3 Batch Operations manifest live here too. The shells
// (commands/expiration.ts, cli/tagExpire.ts) supply prompts, progress and output only.

import type { S3Client } from '@aws-sdk/client-s3';
import { BatchManifestError, writeBatchManifest, type BatchManifestWriteResult } from '../aws/batchManifest';
import { join } from 'node:path';
import { ensureExpirationRule, LifecycleConflictError, readLifecycleRules, removeExpirationRule, type LifecycleChangeResult } from '../aws/lifecycle';
import { resolveRequestPrices, type PriceLookup } from '../aws/priceList';
import {
  listTaggingTargets,
  previewTagging,
  runTagging,
  undoTagging,
  type TaggingPreview,
  type TaggingProgress,
  type TaggingResult,
  type TargetSelection,
  type UndoProgress,
  type UndoResult,
} from '../aws/tagging';
import { countLines } from '../core/retention/idSet';
import { DELETE_MARKER_RULE_ID, ExpirationRuleConflictError, ownExpirationRuleIds } from '../core/retention/lifecycleRule';
import { createRun, listRuns, type RunHandle, type RunSpec, type RunSummary } from '../core/retention/runStore';
import type { KeepTag } from '../core/retention/tagSet';
import type { TagSpec } from '../core/retention/report';

/** The lifecycle rule a run ensures once every object is tagged. */
export interface ExpirationRuleSpec {
  days: number;
  /** NoncurrentVersionExpiration days; null: not set. */
  noncurrentDays: number | null;
  deleteMarkerRule: boolean;
}

export interface ExpirationRequest {
  selection: TargetSelection;
  tag: TagSpec;
  keepTag: KeepTag | null;
  /** The connection the bucket is on, recorded in the run so that resume and undo use it. */
  connectionId?: string;
  /** null: tag only, leave the lifecycle configuration alone. */
  rule: ExpirationRuleSpec | null;
  /** A versioned bucket is also shown the rule with the delete-marker rule, so that choosing it writes nothing unseen. */
  previewDeleteMarkerVariant?: boolean;
}

/** What the run would do, before anything changes. */
export interface ExpirationPlan {
  request: ExpirationRequest;
  preview: TaggingPreview;
  /** The rule change, not written; null when the request has no rule or it could not be read (see ruleError). */
  rule: LifecycleChangeResult | null;
  /** Why the lifecycle configuration could not be read; the run refuses to start with it. */
  ruleError?: unknown;
  /** The change with the delete-marker rule as well (previewDeleteMarkerVariant, versioned buckets). */
  withMarkers?: LifecycleChangeResult;
  /** Notes of the request-price lookup (a fallback to us-east-1's prices, say). */
  priceNotes: string[];
  /** A resumed run: its id, the objects it finished before it stopped, and about how many of the listed ones are left. */
  resume?: { runId: string; finished: number; left: number };
}

/** What a flow needs from its shell's scope. */
export interface ExpirationContext {
  /** A tagging client of the bucket's connection and region (ConnectionScope.taggingClient). */
  client: S3Client;
  /** Where runs keep their checkpoint and audit log. */
  runRoot: string;
  concurrency: number;
  /** How request prices are looked up; the region is the client's. */
  pricing: Omit<PriceLookup, 'region'>;
}

/** The configuration could not be read during the preview, so nothing may be tagged. */
export class ExpirationPlanError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'ExpirationPlanError';
  }
}

/** Why a plan whose rule could not be previewed goes no further: a conflicting rule of the tag, or a configuration that could not be read. */
function planError(ruleError: unknown, consequence: string): ExpirationPlanError {
  return new ExpirationPlanError(
    ruleError instanceof ExpirationRuleConflictError
      ? `The lifecycle rule of this tag cannot be written, so ${consequence}`
      : `The lifecycle configuration could not be read, so ${consequence}`,
    ruleError,
  );
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** The dry run: listing only, the request prices, and the rule change without writing it. */
export async function planExpiration(context: ExpirationContext, request: ExpirationRequest, signal?: AbortSignal): Promise<ExpirationPlan> {
  const { client } = context;
  const bucket = request.selection.bucket;
  const requestPricing = await resolveRequestPrices({ ...context.pricing, region: await client.config.region(), ...(signal ? { signal } : {}) });
  const ruleOptions = (deleteMarkerRule: boolean) => ({
    tag: request.tag,
    days: request.rule!.days,
    ...(request.rule!.noncurrentDays !== null ? { noncurrentDays: request.rule!.noncurrentDays } : {}),
    deleteMarkerRule,
    dryRun: true,
    ...(signal ? { signal } : {}),
  });
  let ruleError: unknown;
  const [preview, rule] = await Promise.all([
    previewTagging(client, request.selection, { ...(signal ? { signal } : {}), ...(requestPricing.prices ? { requestPrices: requestPricing.prices } : {}) }),
    request.rule
      ? ensureExpirationRule(client, bucket, ruleOptions(request.rule.deleteMarkerRule)).catch((error: unknown) => {
          if (isAbort(error) || signal?.aborted) throw error;
          ruleError = error;
          return null;
        })
      : Promise.resolve(null),
  ]);
  const withMarkers =
    rule && request.rule && request.previewDeleteMarkerVariant && rule.versioned && !request.rule.deleteMarkerRule
      ? await ensureExpirationRule(client, bucket, ruleOptions(true))
      : undefined;
  return {
    request,
    preview,
    rule,
    ...(ruleError !== undefined ? { ruleError } : {}),
    ...(withMarkers ? { withMarkers } : {}),
    priceNotes: requestPricing.notes,
  };
}

/** The request a run was created from, read back from its (checked) spec: what a resumed run plans again. */
export function requestOfRun(spec: RunSpec): ExpirationRequest {
  const rule = spec.lifecycleRule;
  return {
    selection: { bucket: spec.bucket, prefixes: [...spec.prefixes], exemptGlobs: [...spec.exemptGlobs], olderThan: spec.olderThan },
    tag: spec.tag,
    keepTag: spec.keepTag,
    ...(spec.connectionId ? { connectionId: spec.connectionId } : {}),
    rule: rule ? { days: rule.days, noncurrentDays: rule.noncurrentDays, deleteMarkerRule: rule.deleteMarkerRule === true } : null,
  };
}

/**
 * The preview of a stopped run, made again from its spec before it goes on: the listing, how much
 * of it the run finished, and the rule change against the configuration as it is now. Nothing
 * changes before the shell confirms it (confirmResume).
 */
export async function planResume(
  context: ExpirationContext,
  run: RunHandle,
  options: { signal?: AbortSignal; previewDeleteMarkerVariant?: boolean } = {},
): Promise<ExpirationPlan> {
  const request = { ...requestOfRun(run.spec), ...(options.previewDeleteMarkerVariant ? { previewDeleteMarkerVariant: true } : {}) };
  // The lines of done.jsonl: what the preview says was finished (the run itself reads them exactly, once).
  const [plan, finished] = await Promise.all([planExpiration(context, request, options.signal), countLines(run.donePath)]);
  return { ...plan, resume: { runId: run.id, finished, left: Math.max(0, plan.preview.objects - finished) } };
}

/**
 * The shell confirmed a resumed run's new preview: the rule is now written only while the bucket's
 * configuration is the one this preview showed (with the delete-marker rule, if that was chosen).
 */
export async function confirmResume(run: RunHandle, plan: ExpirationPlan, deleteMarkerRule = false): Promise<void> {
  const rule = run.spec.lifecycleRule;
  if (!rule || !plan.rule) return;
  await run.update({
    spec: { ...run.spec, lifecycleRule: { ...rule, deleteMarkerRule: rule.deleteMarkerRule === true || deleteMarkerRule, expectBefore: plan.rule.before } },
  });
}

/**
 * Goes on with a stopped run, as a new one starts: the preview again (planResume), the shell's
 * confirmation, then what is left (continueExpiration). Declining changes nothing.
 */
export async function resumeExpiration(
  context: ExpirationContext,
  run: RunHandle,
  hooks: ExpirationHooks,
  signal?: AbortSignal,
): Promise<ExpirationFlowResult> {
  const plan = await planResume(context, run, signal ? { signal } : {});
  if ((await hooks.preview(plan)) === 'stop') return { kind: 'stopped', plan };
  if (plan.ruleError !== undefined) throw planError(plan.ruleError, 'the run did not go on');
  const decision = await hooks.confirm(plan);
  if (decision.action !== 'tag') return { kind: 'declined', plan };
  await confirmResume(run, plan, decision.deleteMarkerRule === true);
  await hooks.onRunCreated?.(run);
  const outcome = await continueExpiration(context, run, { ...(signal ? { signal } : {}), ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}) });
  return { kind: 'ran', plan, run, outcome };
}

/** The shell's answer to a plan. */
export type ExpirationDecision =
  { action: 'cancel' } | { action: 'tag'; /** Add the delete-marker rule after all (VS Code's second button). */ deleteMarkerRule?: boolean };

export interface ExpirationHooks {
  /** Shows the plan (printed, logged); 'stop' ends the flow here (a dry run). */
  preview(plan: ExpirationPlan): Promise<'stop' | 'continue'> | 'stop' | 'continue';
  /** Asks the user; called only when there is something to tag and the rule could be read. */
  confirm(plan: ExpirationPlan): Promise<ExpirationDecision>;
  /** The run exists (its id and audit log can be shown) and is about to start. */
  onRunCreated?(run: RunHandle): void | Promise<void>;
  onProgress?(progress: TaggingProgress): void;
}

export interface ExpirationOutcome {
  result: TaggingResult;
  /** The rule as written (or found in place); absent when the run did not finish or has no rule. */
  rule?: LifecycleChangeResult;
  /** Why the rule was not written although every object is tagged; the run stays resumable to write it. */
  ruleError?: unknown;
}

export type ExpirationFlowResult =
  | { kind: 'stopped'; plan: ExpirationPlan }
  | { kind: 'nothing'; plan: ExpirationPlan }
  | { kind: 'declined'; plan: ExpirationPlan }
  | { kind: 'ran'; plan: ExpirationPlan; run: RunHandle; outcome: ExpirationOutcome };

/** The whole flow: plan, preview, confirm, run, rule. Throws ExpirationPlanError when the rule could not be previewed. */
export async function tagForExpiration(
  context: ExpirationContext,
  request: ExpirationRequest,
  hooks: ExpirationHooks,
  signal?: AbortSignal,
): Promise<ExpirationFlowResult> {
  const plan = await planExpiration(context, request, signal);
  if ((await hooks.preview(plan)) === 'stop') return { kind: 'stopped', plan };
  if (plan.ruleError !== undefined) throw planError(plan.ruleError, 'nothing was tagged');
  if (plan.preview.objects === 0) return { kind: 'nothing', plan };
  const decision = await hooks.confirm(plan);
  if (decision.action !== 'tag') return { kind: 'declined', plan };
  const run = await startExpiration(context, plan, decision.deleteMarkerRule === true);
  await hooks.onRunCreated?.(run);
  const outcome = await continueExpiration(context, run, { ...(signal ? { signal } : {}), ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}) });
  return { kind: 'ran', plan, run, outcome };
}

/**
 * Creates the checkpointed run of a confirmed plan. The configuration the preview showed is kept
 * with the run: the rule is written only if it is still that one, now or when the run is resumed.
 */
export async function startExpiration(context: ExpirationContext, plan: ExpirationPlan, deleteMarkerRule = false): Promise<RunHandle> {
  const { request } = plan;
  const rule = request.rule;
  const spec: RunSpec = {
    kind: 'tag',
    ...(request.connectionId ? { connectionId: request.connectionId } : {}),
    bucket: request.selection.bucket,
    prefixes: [...request.selection.prefixes],
    exemptGlobs: [...request.selection.exemptGlobs],
    olderThan: request.selection.olderThan,
    tag: request.tag,
    keepTag: request.keepTag,
    versioned: plan.preview.versioned,
    lifecycleRule: rule
      ? {
          days: rule.days,
          noncurrentDays: rule.noncurrentDays,
          deleteMarkerRule: rule.deleteMarkerRule || deleteMarkerRule,
          ...(plan.rule ? { expectBefore: plan.rule.before } : {}),
        }
      : null,
  };
  return createRun(context.runRoot, spec);
}

/**
 * Tags what is left of a run (a new one, or one resumed after a cancel or a crash: finished objects
 * are not requested again), then writes its lifecycle rule — after the tags, so an object is never
 * under the rule before the user's tags are merged. A rule that cannot be written marks the run
 * failed, so that resuming it writes the rule.
 */
export async function continueExpiration(
  context: ExpirationContext,
  run: RunHandle,
  options: { signal?: AbortSignal; onProgress?(p: TaggingProgress): void } = {},
): Promise<ExpirationOutcome> {
  const result = await runTagging(context.client, run, {
    concurrency: context.concurrency,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (result.state !== 'finished' || !run.spec.lifecycleRule) return { result };
  try {
    return { result, rule: await writeExpirationRule(context.client, run, options.signal) };
  } catch (error) {
    if (isAbort(error) || options.signal?.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    await run.update({ state: 'failed', error: `the lifecycle rule was not written: ${reason}` });
    return { result, ruleError: error };
  }
}

/**
 * Ensures a run's rule, refusing when the configuration is no longer the one its preview showed.
 * A rule found already in place as wanted (written before a crash) is not a change: it passes.
 */
export async function writeExpirationRule(client: S3Client, run: RunHandle, signal?: AbortSignal): Promise<LifecycleChangeResult | undefined> {
  const rule = run.spec.lifecycleRule;
  if (!rule) return undefined;
  const options = {
    tag: run.spec.tag,
    days: rule.days,
    ...(rule.noncurrentDays !== null ? { noncurrentDays: rule.noncurrentDays } : {}),
    deleteMarkerRule: rule.deleteMarkerRule === true,
    ...(signal ? { signal } : {}),
  };
  // Every write is guarded by the configuration it was computed from: the preview's, kept with the run;
  // a run without one (written by an older version) is computed from a read now, and guarded by that.
  const expectBefore = rule.expectBefore ?? (await readLifecycleRules(client, run.spec.bucket, signal));
  try {
    return await ensureExpirationRule(client, run.spec.bucket, { ...options, dryRun: false, expectBefore });
  } catch (error) {
    if (!(error instanceof LifecycleConflictError)) throw error;
    const now = await ensureExpirationRule(client, run.spec.bucket, { ...options, dryRun: true });
    if (now.change === 'unchanged') return now;
    throw error;
  }
}

export interface UndoOptions {
  signal?: AbortSignal;
  onProgress?(p: UndoProgress): void;
  /** Also remove the run's own lifecycle rule once every tag set is back, unless another run relies on it. */
  removeRule?: boolean;
}

export interface UndoOutcome {
  result: UndoResult;
  ruleRemoved: boolean;
  /** Why the rule was asked to go but stays (another run relies on it, or it is not the run's own). */
  ruleKept?: string;
}

/**
 * The other tagging runs of the bucket whose objects still carry `tag` (their tags were not all
 * restored by a finished undo): while there is one, the rule that expires `tag` is theirs too.
 */
export async function runsRelyingOnTag(root: string, run: RunHandle): Promise<RunSummary[]> {
  const runs = await listRuns(root);
  const undone = new Set(runs.filter((r) => r.spec.kind === 'untag' && r.state === 'finished').map((r) => r.spec.sourceAudit));
  const { bucket, tag } = run.spec;
  return runs.filter(
    (r) =>
      r.id !== run.id &&
      r.spec.kind === 'tag' &&
      r.spec.bucket === bucket &&
      r.spec.tag.key === tag.key &&
      r.spec.tag.value === tag.value &&
      !undone.has(join(root, r.id, 'audit.jsonl')) &&
      (r.state === 'finished' || (r.counts !== null && 'tagged' in r.counts && r.counts.tagged > 0)),
  );
}

/**
 * Takes out the run's own rule — the one for its tag with its days — and its delete-marker rule when it
 * added one and no other run of the bucket asked for it; never while another run relies on the tag.
 * The removal is computed from one read and written only if the bucket still has that configuration.
 */
async function removeRunRule(context: ExpirationContext, run: RunHandle, signal?: AbortSignal): Promise<Omit<UndoOutcome, 'result'>> {
  const rule = run.spec.lifecycleRule;
  if (!rule) return { ruleRemoved: false, ruleKept: 'the run wrote no lifecycle rule' };
  const others = await runsRelyingOnTag(run.root, run);
  const tag = `${run.spec.tag.key}=${run.spec.tag.value}`;
  if (others.length > 0)
    return {
      ruleRemoved: false,
      ruleKept: `other runs still have objects tagged ${tag} (${others.map((r) => r.id).join(', ')}): the rule stays until they are undone too`,
    };
  const { bucket } = run.spec;
  const read = await readLifecycleRules(context.client, bucket, signal);
  const ids = ownExpirationRuleIds(read, run.spec.tag, rule.days);
  if (rule.deleteMarkerRule) {
    const markerRuns = (await listRuns(run.root)).filter(
      (r) => r.id !== run.id && r.spec.kind === 'tag' && r.spec.bucket === bucket && r.spec.lifecycleRule?.deleteMarkerRule,
    );
    if (markerRuns.length === 0) ids.push(DELETE_MARKER_RULE_ID);
  }
  if (ids.length === 0) return { ruleRemoved: false, ruleKept: `the bucket has no rule of ours expiring ${tag} after ${rule.days} days` };
  const removal = await removeExpirationRule(context.client, bucket, { ruleIds: ids, expectBefore: read, ...(signal ? { signal } : {}) });
  return removal.removed.length > 0 ? { ruleRemoved: true } : { ruleRemoved: false, ruleKept: 'the rule was already gone' };
}

/**
 * Restores the tag sets a run's audit log records (keeping tags added since). The rule is removed,
 * when asked, only after every tag set is back: objects still tagged must not lose it halfway.
 */
export async function undoExpiration(context: ExpirationContext, from: RunHandle | string, options: UndoOptions = {}): Promise<UndoOutcome> {
  const result = await undoTagging(context.client, from, {
    root: context.runRoot,
    concurrency: context.concurrency,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (result.state !== 'finished' || !options.removeRule || typeof from === 'string') return { result, ruleRemoved: false };
  return { result, ...(await removeRunRule(context, from, options.signal)) };
}

/** Why no manifest was written, in words the shells show as they are. */
export class ExpirationManifestError extends Error {
  constructor(
    message: string,
    readonly reason: 'exists' | 'empty' | 'other',
  ) {
    super(message);
    this.name = 'ExpirationManifestError';
  }
}

/** The plan's selection as an S3 Batch Operations manifest at `location`; no tag or rule changes. */
export async function writeExpirationManifest(
  client: S3Client,
  selection: TargetSelection,
  location: string,
  signal?: AbortSignal,
): Promise<BatchManifestWriteResult> {
  try {
    return await writeBatchManifest(client, listTaggingTargets(client, selection, { ...(signal ? { signal } : {}) }), location, signal);
  } catch (error) {
    if (!(error instanceof BatchManifestError)) throw error;
    if (/already exists/.test(error.message))
      throw new ExpirationManifestError(`An object already exists at ${location}; the manifest never replaces one.`, 'exists');
    if (/no objects/.test(error.message))
      throw new ExpirationManifestError(`No object under these prefixes of s3://${selection.bucket} is to be tagged, so no manifest was written.`, 'empty');
    throw new ExpirationManifestError(`${error.message} No manifest was written.`, 'other');
  }
}

/** Objects modified on or after the window's first day are younger than the window: never tagged. */
export function olderThanForWindow(windowStart: string): string {
  return `${windowStart}T00:00:00.000Z`;
}

/** The UTC midnight `days` days before `now`'s day: objects modified since are left alone. */
export function olderThanDaysBefore(now: Date, days: number): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - days * 86_400_000).toISOString();
}
