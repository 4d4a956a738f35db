// `s3-lifecycle tag-expire`: tags the objects immediately under prefixes for expiration (keeping
// their tags), then ensures the lifecycle rule; with a dry run first, a checkpoint, resume and undo.
// Safe by default: objects with the keep tag, and objects modified within the access window, are left alone.
// `--batch-manifest` writes the same selection as an S3 Batch Operations manifest instead of tagging.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ExpirationManifestError,
  ExpirationPlanError,
  olderThanDaysBefore,
  resumeExpiration,
  tagForExpiration,
  undoExpiration,
  writeExpirationManifest,
  type ExpirationContext,
  type ExpirationOutcome,
  type ExpirationPlan,
} from '../app/tagForExpiration';
import type { ConnectionScope } from '../app/scope';
import { BATCH_OPERATIONS_TAGGING_WARNING, type BatchManifestWriteResult } from '../aws/batchManifest';
import { describeS3Error } from '../aws/errors';
import { firstTargetUnder } from '../aws/tagTargets';
import { TaggingRunError, type TaggingProgress, type TargetSelection, type UndoProgress, type UndoResult } from '../aws/tagging';
import { formatBytes, formatCount as n } from '../core/format';
import { exemptionMatcher, GlobError } from '../core/retention/exemptions';
import { JsonlError } from '../core/retention/jsonLines';
import { findResumable, openRun, RunStoreError, type DamagedLines, type RunHandle, type RunSpec } from '../core/retention/runStore';
import { formatTag, parseKeepTagSetting, parseTagArg, TagArgError, type KeepTag } from '../core/retention/tagSet';
import { parseS3Uri, S3UriError } from '../core/s3uri';
import { SETTING_DEFAULTS } from '../core/settings';
import { describeCounts, keepTagJson, printPreview, progressPrinter, trailingSlashHint, youngHint, type AgeLimit } from './tagExpireOutput';
import { checkPriceSource, CONNECTION_OPTIONS, openScope, PRICE_LIST_OPTIONS } from './connection';
import {
  CliFailure,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  integerOption,
  stringOption,
  UsageError,
  type CliCommand,
  type CliIo,
  type ParsedCommandLine,
} from './framework';

// The defaults are the settings' own: the CLI and the extension tag alike.
const DEFAULT_EXPIRATION_TAG = SETTING_DEFAULTS['expiration.tag'];
/** Objects with this tag (any value) are never tagged, as in `s3-lifecycle retention` and the extension. */
const DEFAULT_KEEP_TAG = SETTING_DEFAULTS['retention.keepTag'];
/** Objects modified within this many days before today (UTC) are young and left alone by default. */
const DEFAULT_WINDOW_DAYS = SETTING_DEFAULTS['retention.windowDays'];
const DEFAULT_DAYS = SETTING_DEFAULTS['expiration.days'];
const DEFAULT_CONCURRENCY = SETTING_DEFAULTS['expiration.concurrency'];
/** The shell's convention for a process stopped by SIGINT (128 + 2) or SIGTERM (128 + 15). */
const EXIT_SIGINT = 130;
const EXIT_SIGTERM = 143;

function stringList(args: ParsedCommandLine, name: string): string[] {
  const value = args.values[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
}

/**
 * For each given prefix that ends in '/' and selects nothing to tag, a hint when the prefix without
 * that '/' would select something: prefixes are analysis prefixes, taken verbatim, never guessed.
 */
async function trailingSlashHints(context: Context, plan: ExpirationPlan): Promise<string[]> {
  const { preview, request } = plan;
  const hints: string[] = [];
  for (const { prefix, objects } of preview.byPrefix) {
    if (!prefix.endsWith('/') || objects > 0) continue;
    const without = prefix.slice(0, -1);
    const example = await firstTargetUnder(context.flow.client, { ...request.selection, versioned: preview.versioned }, without, { signal: context.signal });
    if (example !== undefined) hints.push(trailingSlashHint(prefix, without, example));
  }
  return hints;
}

function parseOlderThan(text: string): string {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00.000Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text)
    throw new UsageError(`--older-than takes a date YYYY-MM-DD (UTC), not "${text}"`, tagExpire);
  return date.toISOString();
}

/**
 * --older-than DATE, --all-ages, or by default the UTC midnight --window-days days before today (UTC):
 * objects modified within the access window may still be in use, so they are left alone.
 */
function ageLimit(args: ParsedCommandLine, now: Date): AgeLimit {
  const olderThanText = stringOption(args, 'older-than');
  const allAges = args.values['all-ages'] === true;
  const windowGiven = stringOption(args, 'window-days') !== undefined;
  if (olderThanText !== undefined && allAges)
    throw new UsageError(
      '--older-than and --all-ages contradict each other: give --older-than DATE to tag only objects modified before DATE, or --all-ages to tag regardless of age',
      tagExpire,
    );
  if (windowGiven && olderThanText !== undefined)
    throw new UsageError(
      '--window-days and --older-than both set the age limit: give one (--older-than DATE, or --window-days N for N days before today)',
      tagExpire,
    );
  if (windowGiven && allAges)
    throw new UsageError(
      '--window-days and --all-ages contradict each other: drop --window-days to tag regardless of age, or drop --all-ages to leave young objects alone',
      tagExpire,
    );
  if (allAges) return { olderThan: null, describe: 'any age (--all-ages)' };
  if (olderThanText !== undefined) {
    const olderThan = parseOlderThan(olderThanText);
    return { olderThan, describe: `only objects last modified before ${olderThan.slice(0, 10)} (--older-than)` };
  }
  let windowDays: number;
  try {
    windowDays = integerOption(args, 'window-days', { min: 1, max: 3650 }) ?? DEFAULT_WINDOW_DAYS;
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(error.message, tagExpire);
    throw error;
  }
  const olderThan = olderThanDaysBefore(now, windowDays);
  return {
    olderThan,
    describe: `only objects last modified before ${olderThan.slice(0, 10)} are tagged; the ${windowDays}-day access window before today is left alone (${windowGiven ? '--window-days' : 'the default'}; --older-than DATE or --all-ages to change it)`,
  };
}

/** The command that goes on with a run, with the connection flags this one was given. */
function resumeCommand(args: ParsedCommandLine, runId: string, runDir: string, defaultRunDir: string): string {
  const parts = ['s3-lifecycle', 'tag-expire', '--resume', runId];
  if (runDir !== defaultRunDir) parts.push('--run-dir', JSON.stringify(runDir));
  for (const name of Object.keys(CONNECTION_OPTIONS)) {
    const value = args.values[name];
    if (value === true) parts.push(`--${name}`);
    else if (typeof value === 'string') parts.push(`--${name}`, JSON.stringify(value));
  }
  return parts.join(' ');
}

/** Asks for the bucket name on a terminal (through CliIo); elsewhere --yes is needed. */
async function confirm(io: CliIo, bucket: string, objects: number): Promise<boolean> {
  if (!io.ask) {
    io.err(
      `s3-lifecycle tag-expire: this changes the tags of ${n(objects)} objects; pass --yes to go ahead without a prompt (or --dry-run to only look). Nothing was changed.\n`,
    );
    return false;
  }
  const answer = await io.ask(`Type the bucket name (${bucket}) to tag ${n(objects)} objects for expiration: `, io.signal);
  if (answer?.trim() === bucket) return true;
  io.err('Not confirmed; nothing was changed.\n');
  return false;
}

interface Context {
  args: ParsedCommandLine;
  io: CliIo;
  scope: ConnectionScope;
  /** The client, run folder, concurrency and price lookup of the flow. */
  flow: ExpirationContext;
  endpoint: string;
  runDir: string;
  defaultRunDir: string;
  signal: AbortSignal;
  showProgress: boolean;
}

function describeFailure(context: Context, error: unknown, bucket?: string): string {
  return describeS3Error(error, { endpoint: context.endpoint, ...(bucket !== undefined ? { bucket } : {}) }).message;
}

/**
 * Goes on with a stopped run as a new run starts: the preview again (made from the run's checked
 * spec, against the bucket as it is now), the typed confirmation unless --yes, then what is left.
 */
async function resumeAndReport(context: Context, run: RunHandle): Promise<number> {
  const { io, args } = context;
  const olderThan = run.spec.olderThan;
  const age: AgeLimit = {
    olderThan,
    describe: olderThan === null ? 'any age (as the run was started)' : `only objects last modified before ${olderThan.slice(0, 10)} (as the run was started)`,
  };
  let flow;
  try {
    flow = await resumeExpiration(
      context.flow,
      run,
      {
        preview: (plan) => {
          for (const note of plan.priceNotes) io.err(`note: ${note}\n`);
          if (args.format !== 'json')
            io.err(
              `Resuming run ${run.id} of s3://${run.spec.bucket}: ${n(plan.resume?.finished ?? 0)} objects were finished before it stopped; about ${n(plan.resume?.left ?? 0)} of those listed now are left.\n`,
            );
          printPlan(context, plan, age, false);
          return 'continue';
        },
        confirm: async (plan) =>
          args.values.yes === true || (await confirm(io, run.spec.bucket, plan.resume?.left ?? plan.preview.objects))
            ? { action: 'tag' }
            : { action: 'cancel' },
        onRunCreated: (resumed) => {
          if (args.format !== 'json') io.err(`Run ${resumed.id} in ${context.runDir} (audit log: ${resumed.auditPath})\n`);
        },
        onProgress: progressPrinter<TaggingProgress>(io, context.showProgress, (p) => `listed ${n(p.listed)}; ${describeCounts(p)}`),
      },
      context.signal,
    );
  } catch (error) {
    if (error instanceof ExpirationPlanError)
      throw new CliFailure(
        `${error.message}: ${describeFailure(context, error.cause, run.spec.bucket)} Nothing was changed; resume again when it can be read.`,
      );
    if (error instanceof RunStoreError) throw error;
    if (context.signal.aborted && !(error instanceof TaggingRunError)) {
      io.err('Cancelled before anything changed.\n');
      return context.signal.reason === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    }
    const cause = error instanceof TaggingRunError ? error.cause : error;
    throw new CliFailure(
      `${describeFailure(context, cause, run.spec.bucket)}\nThe run stopped and can go on later: ${resumeCommand(args, run.id, context.runDir, context.defaultRunDir)}`,
    );
  }
  if (flow.kind !== 'ran') return flow.kind === 'declined' ? EXIT_USAGE : EXIT_OK;
  return report(context, run, flow.outcome);
}

function report(context: Context, run: RunHandle, outcome: ExpirationOutcome): number {
  const { io, args } = context;
  const { result } = outcome;
  const rule = outcome.rule ?? null;
  const ruleError = outcome.ruleError === undefined ? undefined : describeFailure(context, outcome.ruleError, run.spec.bucket);

  const resume = resumeCommand(args, run.id, context.runDir, context.defaultRunDir);
  if (args.format === 'json') {
    io.out(
      JSON.stringify({
        runId: run.id,
        state: result.state,
        bucket: run.spec.bucket,
        prefixes: run.spec.prefixes,
        tag: run.spec.tag,
        counts: result.progress,
        failures: result.failures,
        auditLog: result.auditPath,
        lifecycleRule: rule ? { id: rule.ruleId, change: rule.change, verified: rule.verified, diff: rule.diff } : null,
        ...(ruleError ? { lifecycleRuleError: ruleError } : {}),
        ...(result.state !== 'finished' || ruleError ? { resume } : {}),
        ...(result.damaged.length ? { damagedLines: damagedJson(result.damaged) } : {}),
      }) + '\n',
    );
  } else {
    io.out(
      `Run ${run.id}: ${result.state}. Listed ${n(result.progress.listed)} objects under ${run.spec.prefixes.length} prefix(es) of s3://${run.spec.bucket}.\n`,
    );
    io.out(`  ${describeCounts(result.progress)}; ${n(result.progress.retries)} retries\n`);
    io.out(`  audit log: ${result.auditPath}\n`);
    if (rule)
      io.out(
        `  lifecycle rule "${rule.ruleId}": ${rule.change}${rule.verified ? ', verified on the server' : ''}\n${rule.change === 'unchanged' ? '' : `${rule.diff.trimEnd()}\n`}`,
      );
    else if (!run.spec.lifecycleRule) io.out('  lifecycle rule: not touched by this run\n');
    for (const f of result.failures.slice(0, 10)) io.err(`  failed: ${f.key}${f.versionId ? ` (version ${f.versionId})` : ''}: ${f.reason}\n`);
  }
  for (const d of result.damaged) io.err(`warning: ${d.describe()}.\n`);
  if (result.state === 'cancelled') {
    io.err(`Cancelled; the run can go on where it stopped: ${resume}\n`);
    return context.signal.reason === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
  }
  if (result.state === 'failed') {
    io.err(`${n(result.progress.failed)} objects failed (the first are listed above). Retry them with: ${resume}\n`);
    return EXIT_FAILURE;
  }
  if (ruleError) {
    io.err(`The tags are in place, but the lifecycle rule was not written: ${ruleError}\nRetry with: ${resume}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

/** Damaged lines as the JSON output gives them. */
function damagedJson(damaged: DamagedLines[]): { file: string; count: number; lines: number[] }[] {
  return damaged.map((d) => ({ file: d.path, count: d.count, lines: d.lines }));
}

async function undo(context: Context, source: string): Promise<number> {
  const { io, args } = context;
  const isFile = existsSync(source) && statSync(source).isFile();
  const from: string | RunHandle = isFile ? source : await openRun(context.runDir, source);
  let result: UndoResult;
  try {
    ({ result } = await undoExpiration(context.flow, from, {
      signal: context.signal,
      onProgress: progressPrinter<UndoProgress>(
        io,
        context.showProgress,
        (p) => `restored ${n(p.restored)}, already clean ${n(p.alreadyClean)}, gone ${n(p.gone)}, failed ${n(p.failed)} of ${n(p.total)}`,
      ),
    }));
  } catch (error) {
    const cause = error instanceof TaggingRunError ? error.cause : error;
    throw new CliFailure(`${describeFailure(context, cause)}\nUndo again to go on: undoing twice is safe.`);
  }
  const { runId, state, restored, alreadyClean, gone, failed, retries, auditPath, failures, damaged } = result;
  if (args.format === 'json')
    io.out(
      JSON.stringify({
        runId,
        state,
        restored,
        alreadyClean,
        gone,
        failed,
        retries,
        failures,
        auditLog: auditPath,
        ...(damaged.length ? { damagedLines: damagedJson(damaged) } : {}),
      }) + '\n',
    );
  else {
    io.out(
      `Undo run ${runId}: ${state}. Restored ${n(restored)} tag sets; ${n(alreadyClean)} already without our tag; ${n(gone)} gone; ${n(failed)} failed; ${n(retries)} retries.\n`,
    );
    io.out(`  audit log of the undo: ${auditPath}\n  The lifecycle rule is left as it is: it expires only objects that carry the tag.\n`);
    for (const f of failures.slice(0, 10)) io.err(`  failed: ${f.key}: ${f.reason}\n`);
  }
  for (const d of damaged) io.err(`warning: ${d.describe()}.\n`);
  if (state === 'cancelled') return context.signal.reason === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
  if (state !== 'finished') {
    io.err(`Some objects failed; undo again to retry them (undoing twice is safe): s3-lifecycle tag-expire --undo ${JSON.stringify(source)}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

export const tagExpire: CliCommand = {
  name: 'tag-expire',
  summary: 'Tag the objects immediately under prefixes for expiration (keeping their tags) and add the lifecycle rule',
  usage: '--bucket B --prefix P [--prefix P2]… [--batch-manifest s3://B/KEY.csv] | --resume [RUN_ID] | --undo RUN_ID|AUDIT_FILE',
  options: {
    ...CONNECTION_OPTIONS,
    ...PRICE_LIST_OPTIONS,
    bucket: { type: 'string', description: 'The bucket', valueName: 'name' },
    prefix: {
      type: 'string',
      multiple: true,
      description:
        "A prefix as the analysis reports it, taken verbatim ('' for the root): it covers only the keys immediately under it. `logs` covers logs/a.csv; `logs/` covers logs//a.csv, not logs/a.csv. Repeat for more",
      valueName: 'prefix',
    },
    'dry-run': { type: 'boolean', description: 'List and price only: objects, bytes, requests, cost and the lifecycle rule diff; nothing changes' },
    tag: { type: 'string', description: `The expiration tag (default ${DEFAULT_EXPIRATION_TAG})`, valueName: 'key=value' },
    days: { type: 'string', description: `The rule expires tagged objects this many days after creation (default ${DEFAULT_DAYS})`, valueName: 'n' },
    'noncurrent-days': { type: 'string', description: 'Versioned buckets: noncurrent versions expire this many days after (default: --days)', valueName: 'n' },
    'delete-marker-rule': { type: 'boolean', description: 'Also add the rule that removes expired delete markers (versioned buckets; no tag filter)' },
    'keep-tag': {
      type: 'string',
      description: `Objects with this tag are never tagged (any value when none is given; default ${DEFAULT_KEEP_TAG})`,
      valueName: 'key[=value]',
    },
    'no-keep-tag': { type: 'boolean', description: `No keep tag: tag objects whatever tags they have (not even ${DEFAULT_KEEP_TAG} protects them)` },
    exempt: { type: 'string', multiple: true, description: 'Keys matching this glob are never tagged (* ** ? [..]); repeat for more', valueName: 'glob' },
    'older-than': {
      type: 'string',
      description: 'Only objects last modified before this UTC day (default: the --window-days access window)',
      valueName: 'YYYY-MM-DD',
    },
    'window-days': {
      type: 'string',
      description: `Leave alone objects modified in the N days before today, UTC (1–3650, default ${DEFAULT_WINDOW_DAYS}): only those last modified before that day's midnight are tagged`,
      valueName: 'n',
    },
    'all-ages': { type: 'boolean', description: 'Tag objects whatever their age, even ones modified today (not with --older-than or --window-days)' },
    'batch-manifest': {
      type: 'string',
      description:
        'Tag nothing: write the objects that would be tagged as an S3 Batch Operations CSV manifest to this new object (not with --dry-run, --resume or --undo)',
      valueName: 's3://bucket/key.csv',
    },
    concurrency: { type: 'string', description: `Objects worked on at once, 1–256 (default ${DEFAULT_CONCURRENCY})`, valueName: 'n' },
    'run-dir': { type: 'string', description: 'Where runs keep checkpoint and audit log (default ./.s3-lifecycle/runs)', valueName: 'dir' },
    resume: {
      type: 'boolean',
      description:
        'Go on with a stopped run: RUN_ID, or the newest unfinished run of --bucket and --prefix. Its preview is shown again and confirmed as for a new run',
    },
    undo: { type: 'string', description: "Restore the tag sets a run's audit log records", valueName: 'RUN_ID|AUDIT_FILE' },
    'no-lifecycle-rule': { type: 'boolean', description: 'Tag only; leave the lifecycle configuration alone' },
    yes: { type: 'boolean', short: 'y', description: 'Do not ask for the bucket name before tagging (or before a resumed run goes on)' },
    progress: { type: 'boolean', description: 'Progress lines on stderr even when it is not a terminal' },
  },
  details: [
    "Prefixes are the analysis's (s3-lifecycle retention, the panel): a key's prefix is the key without its trailing '/' and last",
    "segment, so --prefix logs tags logs/a.csv but not logs/2019/b.csv, and --prefix 'logs/' tags logs//a.csv only. The tree's",
    "folder logs/ is the prefix logs. When a prefix ending in '/' selects nothing but the one without it would, the preview says so.",
    'Per object: GetObjectTagging, add the tag to the tags it has, PutObjectTagging (it replaces the whole set).',
    'Skipped and reported: objects already tagged, with the keep tag, with 10 tags, or with the tag key at another value.',
    `Left alone by default: objects with the keep tag ${DEFAULT_KEEP_TAG} (--keep-tag K[=V] for another, --no-keep-tag for none), and`,
    `objects modified in the last ${DEFAULT_WINDOW_DAYS} days: only those last modified before the UTC midnight --window-days days before today`,
    'are tagged (--older-than DATE for another day, --all-ages for any age). The dry run shows both.',
    '--batch-manifest s3://B/KEY.csv writes the objects the dry run counts (bucket,key[,versionId], keys URL-encoded) for an',
    'S3 Batch Operations job instead of tagging; it changes no tags and no lifecycle configuration, and refuses to replace an',
    'object. It selects by prefix, --exempt and age only: it reads no tags, so the keep tag is not checked, and a Batch',
    'Operations "Replace all object tags" job replaces the tags the objects have.',
    "Every change is written to the run's audit.jsonl before it is sent; done.jsonl lets --resume skip finished objects.",
    "A run's job.json is checked before --resume or --undo trusts it: the run id and folder, every field, and the digest of the",
    'spec written when the run was created; an edited or planted file is refused. Torn lines in the logs are skipped and reported.',
    'Exit codes: 0 done, 1 some objects failed (the resume command is printed), 2 bad usage, 130 interrupted (resumable).',
  ],
  async run(args, io) {
    const defaultRunDir = join(process.cwd(), '.s3-lifecycle', 'runs');
    const runDir = stringOption(args, 'run-dir') ?? defaultRunDir;
    const concurrency = integerOption(args, 'concurrency', { min: 1, max: 256 }) ?? DEFAULT_CONCURRENCY;
    const undoSource = stringOption(args, 'undo');
    const resume = args.values.resume === true;
    if (args.positionals.length > (resume ? 1 : 0))
      throw new UsageError(resume ? '--resume takes at most one RUN_ID' : `unexpected argument "${args.positionals[0]}"`, tagExpire);
    if (undoSource !== undefined && (resume || args.values['dry-run'])) throw new UsageError('--undo cannot be combined with --resume or --dry-run', tagExpire);
    if (resume && args.values['dry-run']) throw new UsageError('--resume cannot be combined with --dry-run', tagExpire);
    if (stringOption(args, 'batch-manifest') !== undefined && (resume || undoSource !== undefined || args.values['dry-run'])) {
      throw new UsageError(
        '--batch-manifest writes a manifest instead of tagging, so it cannot be combined with --dry-run, --resume or --undo: run the dry run first and --batch-manifest on its own after it',
        tagExpire,
      );
    }

    checkPriceSource(args, tagExpire);
    const scope = openScope(args, io);
    // Ctrl-C arrives through io.signal; SIGTERM (a scheduler stopping the job) is caught here alike.
    const terminated = new AbortController();
    const onTerm = () => terminated.abort('SIGTERM');
    process.once('SIGTERM', onTerm);
    const signal = AbortSignal.any([io.signal, terminated.signal]);
    try {
      const { client } = await scope.taggingClient(undefined, { concurrency });
      const context: Context = {
        args,
        io,
        scope,
        flow: { client, runRoot: runDir, concurrency, pricing: scope.priceLookup(scope.defaultConnection, signal) },
        endpoint: scope.settings.connection.endpoint,
        runDir,
        defaultRunDir,
        signal,
        showProgress: args.values.progress === true || process.stderr.isTTY === true,
      };
      if (undoSource !== undefined) return await undo(context, undoSource);
      return await start(context, resume);
    } catch (error) {
      if (error instanceof RunStoreError || error instanceof JsonlError) throw new CliFailure(error.message);
      throw error;
    } finally {
      process.removeListener('SIGTERM', onTerm);
      await scope.dispose();
    }
  },
};

async function start(context: Context, resume: boolean): Promise<number> {
  const { args, io } = context;
  const bucket = stringOption(args, 'bucket');
  // Analysis prefixes, verbatim: `a/` is the prefix of `a//x`, not of `a/x` (that is `a`).
  const prefixes = [...new Set(stringList(args, 'prefix'))];
  let tag;
  let keepTag: KeepTag | null = null;
  const exemptGlobs = stringList(args, 'exempt');
  const keep = stringOption(args, 'keep-tag');
  const noKeepTag = args.values['no-keep-tag'] === true;
  if (noKeepTag && keep !== undefined)
    throw new UsageError(
      '--keep-tag and --no-keep-tag contradict each other: give --keep-tag K[=V] for another keep tag, or --no-keep-tag for none',
      tagExpire,
    );
  const age = ageLimit(args, new Date());
  try {
    tag = parseTagArg(stringOption(args, 'tag') ?? DEFAULT_EXPIRATION_TAG);
    keepTag = noKeepTag ? null : parseKeepTagSetting(keep ?? DEFAULT_KEEP_TAG);
    exemptionMatcher(exemptGlobs);
  } catch (error) {
    if (error instanceof TagArgError || error instanceof GlobError) throw new UsageError(error.message, tagExpire);
    throw error;
  }

  if (resume) {
    let runId = args.positionals[0];
    if (runId === undefined) {
      if (!bucket || prefixes.length === 0)
        throw new UsageError('--resume needs a RUN_ID, or --bucket and --prefix to find the newest unfinished run', tagExpire);
      const found = await findResumable(context.runDir, bucket, prefixes, stringOption(args, 'tag') === undefined ? undefined : tag);
      if (found === undefined) throw new CliFailure(`No unfinished tagging run of s3://${bucket} with these prefixes in ${context.runDir}.`);
      runId = found.id;
    }
    const run = await openRun(context.runDir, runId);
    if (run.spec.kind !== 'tag') throw new CliFailure(`Run ${runId} is an undo; undo again with --undo to go on with it.`);
    if (bucket !== undefined && bucket !== run.spec.bucket) throw new UsageError(`run ${runId} tags s3://${run.spec.bucket}, not s3://${bucket}`, tagExpire);
    return resumeAndReport(context, run);
  }

  if (!bucket) throw new UsageError('--bucket is required', tagExpire);
  if (prefixes.length === 0) throw new UsageError("at least one --prefix is required (--prefix '' is the bucket root)", tagExpire);
  const days = integerOption(args, 'days', { min: 1, max: 36500 }) ?? DEFAULT_DAYS;
  const noncurrentDays = integerOption(args, 'noncurrent-days', { min: 1, max: 36500 }) ?? null;
  const olderThan = age.olderThan;
  const withRule = args.values['no-lifecycle-rule'] !== true;
  const deleteMarkerRule = args.values['delete-marker-rule'] === true;
  const selection = { bucket, prefixes, exemptGlobs, olderThan };
  const manifestLocation = stringOption(args, 'batch-manifest');
  if (manifestLocation !== undefined) return batchManifest(context, selection, manifestLocation, { tag, keepTag, age });

  const dryRun = args.values['dry-run'] === true;
  let created: RunHandle | undefined;
  let flow;
  try {
    flow = await tagForExpiration(
      context.flow,
      { selection, tag, keepTag, rule: withRule ? { days, noncurrentDays, deleteMarkerRule } : null },
      {
        preview: async (plan) => {
          for (const note of plan.priceNotes) io.err(`note: ${note}\n`);
          printPlan(context, plan, age, dryRun);
          for (const hint of await trailingSlashHints(context, plan)) io.err(`hint: ${hint}\n`);
          return dryRun ? 'stop' : 'continue';
        },
        confirm: async (plan) => {
          const unfinished = await findResumable(context.runDir, bucket, prefixes, tag);
          if (unfinished)
            io.err(
              `Note: run ${unfinished.id} of the same prefixes did not finish; this starts a new run. To go on with it instead: ${resumeCommand(args, unfinished.id, context.runDir, context.defaultRunDir)}\n`,
            );
          return args.values.yes === true || (await confirm(io, bucket, plan.preview.objects)) ? { action: 'tag' } : { action: 'cancel' };
        },
        onRunCreated: (run) => {
          created = run;
          if (args.format !== 'json') io.err(`Run ${run.id} in ${context.runDir} (audit log: ${run.auditPath})\n`);
        },
        onProgress: progressPrinter<TaggingProgress>(io, context.showProgress, (p) => `listed ${n(p.listed)}; ${describeCounts(p)}`),
      },
      context.signal,
    );
  } catch (error) {
    if (error instanceof ExpirationPlanError) {
      throw new CliFailure(`${error.message}: ${describeFailure(context, error.cause, bucket)} (or pass --no-lifecycle-rule to tag only).`);
    }
    if (error instanceof TaggingRunError && created) {
      throw new CliFailure(
        `${describeFailure(context, error.cause, bucket)}\nThe run stopped and can go on later: ${resumeCommand(args, created.id, context.runDir, context.defaultRunDir)}`,
      );
    }
    if (context.signal.aborted) {
      io.err('Cancelled before anything changed.\n');
      return context.signal.reason === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    }
    throw new CliFailure(describeFailure(context, error, bucket));
  }
  switch (flow.kind) {
    case 'stopped':
      return EXIT_OK;
    case 'nothing':
      io.err(`Nothing to tag under these prefixes of s3://${bucket}; nothing was changed.\n`);
      if (flow.plan.preview.young > 0) io.err(`${youngHint(flow.plan.preview.young, olderThan)}\n`);
      return EXIT_OK;
    case 'declined':
      return EXIT_USAGE;
    case 'ran':
      return report(context, flow.run, flow.outcome);
  }
}

/** The plan as the dry run prints it: on stdout for --dry-run, on stderr before a run (stdout keeps the result). */
function printPlan(context: Context, plan: ExpirationPlan, age: AgeLimit, dryRun: boolean): void {
  const { io, args } = context;
  const { preview, request } = plan;
  const rule = plan.ruleError !== undefined ? new Error(describeFailure(context, plan.ruleError, request.selection.bucket)) : plan.rule;
  if (args.format === 'json' && dryRun) {
    const lifecycleRule =
      rule === null
        ? null
        : rule instanceof Error
          ? { error: rule.message }
          : { id: rule.ruleId, change: rule.change, diff: rule.diff, before: rule.before, after: rule.after };
    io.out(
      JSON.stringify({
        dryRun: true,
        ...preview,
        tag: request.tag,
        keepTag: keepTagJson(request.keepTag),
        olderThan: request.selection.olderThan,
        lifecycleRule,
      }) + '\n',
    );
  } else if (args.format !== 'json') {
    printPreview(
      dryRun ? { ...io } : { ...io, out: io.err },
      preview,
      { tag: request.tag, olderThan: request.selection.olderThan, keepTag: request.keepTag },
      age,
      rule,
    );
  }
}

/** `--batch-manifest`: the dry run's selection written as an S3 Batch Operations manifest; no tag or rule changes. */
async function batchManifest(
  context: Context,
  selection: TargetSelection,
  location: string,
  spec: { tag: RunSpec['tag']; keepTag: KeepTag | null; age: AgeLimit },
): Promise<number> {
  const { io, args } = context;
  let target;
  try {
    target = parseS3Uri(location);
  } catch (error) {
    if (error instanceof S3UriError)
      throw new UsageError(`--batch-manifest: ${error.message.replace('s3://bucket/prefix/', 's3://bucket/manifests/expire.csv')}`, tagExpire);
    throw error;
  }
  if (target.key === '' || target.key.endsWith('/'))
    throw new UsageError(
      `--batch-manifest: "${location}" is a folder; give the manifest's own key, such as s3://${target.bucket}/manifests/expire.csv`,
      tagExpire,
    );
  io.err(`warning: ${BATCH_OPERATIONS_TAGGING_WARNING}\n`);
  if (spec.keepTag !== null) {
    io.err(
      `warning: the manifest is selected by prefix, --exempt and age only; it reads no tags, so objects with the keep tag ${formatTag(spec.keepTag)} are listed too. Tag with s3-lifecycle tag-expire itself (without --batch-manifest) to skip them.\n`,
    );
  }
  let result: BatchManifestWriteResult;
  try {
    result = await writeExpirationManifest(context.flow.client, selection, location, context.signal);
  } catch (error) {
    if (context.signal.aborted) {
      io.err('Cancelled; no manifest was written, and no tags or lifecycle configuration were changed.\n');
      return context.signal.reason === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
    }
    if (error instanceof ExpirationManifestError) {
      if (error.reason === 'exists') throw new CliFailure(`${error.message} Give --batch-manifest a new key, or delete that object first.`);
      if (error.reason === 'empty')
        throw new CliFailure(`${error.message}${selection.olderThan === null ? '' : ` ${youngHint(undefined, selection.olderThan)}`}`);
      throw new CliFailure(error.message);
    }
    throw new CliFailure(
      `${describeS3Error(error, { endpoint: context.endpoint, ...(target.bucket === selection.bucket ? { bucket: selection.bucket } : {}) }).message}\nNo manifest was written; no tags or lifecycle configuration were changed.`,
    );
  }
  if (args.format === 'json') {
    io.out(
      JSON.stringify({
        batchManifest: result.location,
        rows: result.objects,
        bytes: result.bytes,
        etag: result.etag,
        format: result.format,
        fields: result.fields,
        bucket: selection.bucket,
        prefixes: selection.prefixes,
        tag: spec.tag,
        keepTag: keepTagJson(spec.keepTag),
        olderThan: selection.olderThan,
        warning: BATCH_OPERATIONS_TAGGING_WARNING,
      }) + '\n',
    );
  } else {
    io.out(
      `Wrote ${n(result.objects)} rows (${formatBytes(result.bytes)}) to ${result.location}: an S3 Batch Operations manifest of the objects under ${selection.prefixes.length} prefix(es) of s3://${selection.bucket}.\n`,
    );
    io.out(`  Age: ${spec.age.describe}.\n`);
    io.out(
      `  For CreateJob: Manifest.Spec.Format ${result.format}, Fields ${result.fields.join(',')}, Location.ETag ${result.etag}; the tag to put: ${formatTag(spec.tag)}.\n`,
    );
    io.out(
      `  No tags and no lifecycle configuration were changed: --batch-manifest writes no lifecycle rule (the tag ${formatTag(spec.tag)} needs one, as tag-expire writes it).\n`,
    );
  }
  return EXIT_OK;
}
