// The synthetic estate generator: from an EstatePlan, writes the S3 Inventory report, the server
// access logs of the window (with best-effort delivery: drops, duplicates, late files), the
// lifecycle deletion that follows it, and truth.json — what a correct analysis must find.
// Streams: memory grows with the number of prefixes and one day of log lines, not with objects.

import { formatAccessLogLine, type LogLayout } from '../accessLog/format';
import { READ_OPERATIONS, READ_STATUSES, SERVICE_REQUESTERS } from '../accessLog/reads';
import { Random } from '../random';
import {
  dataFileKey,
  inventoryCsvLine,
  manifestKey,
  reportTimeFolder,
  type InventoryLayout,
  type InventoryManifest,
  type InventoryManifestFile,
} from '../inventory/inventoryCsv';
import { csvFileSchema, DEFAULT_INVENTORY_FIELDS, INVENTORY_FIELD_TYPES, VERSION_FIELDS } from '../inventory/schema';
import {
  accountIdFor,
  EstatePlan,
  STORAGE_CLASSES,
  versionId,
  type EstateObject,
  type EstateOptions,
  type Group,
  type ObjectVersion,
  type StorageClass,
} from './plan';
import type { FolderOutput, TextFile, WrittenFile } from './output';
import { DAY_MS, formatDay, formatIso, HOUR_MS } from '../time';
import { LifecycleSchedule, type LifecyclePartition } from './lifecycle';
import { writeWindowLogs } from './accessLogs';
import { LogDelivery } from './logFiles';
import { LogRecordFactory } from './logRecords';

/** 2: the lifecycle deletion runs per key-range partition, and truth.json lists the partitions. */
export const GENERATOR_VERSION = 2;

export interface GenerateOptions extends EstateOptions {
  logLayout: LogLayout;
  region: string;
  inventoryBucket: string;
  logsBucket: string;
  /** Rows per inventory data file before a new file starts. */
  rowsPerInventoryFile: number;
  /**
   * Which versions the inventory lists: `all` (with VersionId, IsLatest, IsDeleteMarker) or
   * `current` (S3's default, IncludedObjectVersions: Current: the current versions that are not
   * delete markers, and no version fields). Default `all`.
   */
  inventoryVersions?: InventoryVersions;
  /** The report's fields in order, Bucket and Key first (inventoryReportFields); default DEFAULT_INVENTORY_FIELDS. */
  inventoryFields?: readonly string[];
  /** Rewrites the CSV data files in another format (Parquet) before the manifest names them. */
  convertInventory?: (
    files: WrittenFile[],
    fields: readonly string[],
  ) => Promise<{ files: WrittenFile[]; fileFormat: InventoryManifest['fileFormat']; fileSchema: string }>;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export type InventoryVersions = 'all' | 'current';

export interface UnusedPrefixTruth {
  prefix: string;
  objects: number;
  bytes: number;
  storageClasses: Partial<Record<StorageClass, number>>;
  newestLastModified: string;
  lastAccess: null;
}

export interface LifecycleBucketTruth {
  bucket: string;
  current: number;
  deleteMarked: number;
  noncurrentExpired: number;
  gone: number;
}

export interface EstateTruth {
  generator: {
    version: number;
    seed: number;
    objects: number;
    asOf: string;
    days: number;
    bucket: string;
    inventoryBucket: string;
    logsBucket: string;
    logLayout: LogLayout;
  };
  window: {
    start: string;
    end: string;
    days: number;
    countedOperations: readonly string[];
    countedStatuses: readonly number[];
    excludedRequesters: readonly string[];
    /** Lines delivered twice carry the same request id: count distinct request ids. */
    countBy: 'requestId';
  };
  /** `versions` counts the report's rows; `listsVersions` says which versions it lists, `fields` its fields in order. */
  inventory: {
    manifestKey: string;
    versions: number;
    currentObjects: number;
    deleteMarkers: number;
    fileFormat: string;
    listsVersions: InventoryVersions;
    fields: string[];
  };
  logs: { files: number; lines: number; dropped: number; duplicated: number; late: number; daysWithLogs: string[] };
  unusedPrefixes: UnusedPrefixTruth[];
  readOnce: { prefix: string; lastAccess: string }[];
  exempt: { key: string; versionId: string; reason: 'legalHold' | 'objectLock' }[];
  summary: { prefixes: number; unusedPrefixes: number; unusedObjects: number; unusedBytes: number; exemptObjects: number; youngObjects: number };
  lifecycle: { bucketSize: 'hour'; objects: number; events: number; timeline: LifecycleBucketTruth[]; partitions: LifecyclePartitionTruth[] };
}

/**
 * A storage partition of the lifecycle deletion: the contiguous range of keys (UTF-8 byte order)
 * from `firstKey` to `lastKey` among the objects being deleted, swept in key order in each phase.
 * A phase's `start` is its first object's event and `end` its last object's (ISO times); the objects
 * between are evenly spaced, so its pace is (objects - 1) / (end - start).
 */
export interface LifecyclePartitionTruth {
  index: number;
  firstKey: string;
  lastKey: string;
  objects: number;
  phases: { kind: 'delete_marker' | 'expire_version' | 'expire_marker'; start: string; end: string }[];
}

/** truth.json without its long lists: what the generator returns in memory. */
export type TruthSummary = Omit<EstateTruth, 'unusedPrefixes' | 'readOnce' | 'exempt'>;

interface TruthLists {
  unusedPrefixes(): Iterable<UnusedPrefixTruth>;
  readOnce(): Iterable<EstateTruth['readOnce'][number]>;
  exempt(): Iterable<EstateTruth['exempt'][number]>;
}

export interface GenerateResult {
  truth: TruthSummary;
  files: { inventory: WrittenFile[]; logs: number; manifest: string };
  seconds: number;
  /** The plan the estate was generated from (the upload derives its real objects from it). */
  plan: EstatePlan;
  /** Wall time of each phase: inventory, accessLogs, lifecycle. */
  phaseSeconds: Record<string, number>;
}

/** Per prefix, what the truth needs. Typed arrays: a few bytes per prefix. */
class GroupStats {
  readonly eligible: Float64Array;
  readonly eligibleBytes: Float64Array;
  readonly newestEligible: Float64Array;
  readonly reads: Float64Array;
  readonly lastRead: Float64Array;
  /** Eligible objects per prefix and storage class: `classes[group * 4 + STORAGE_CLASSES.indexOf(c)]`. */
  readonly classes: Float64Array;
  constructor(size: number) {
    this.classes = new Float64Array(size * STORAGE_CLASSES.length);
    this.eligible = new Float64Array(size);
    this.eligibleBytes = new Float64Array(size);
    this.newestEligible = new Float64Array(size);
    this.reads = new Float64Array(size);
    this.lastRead = new Float64Array(size);
  }
}

/** Generates the estate into `output`. */
export async function generateEstate(options: GenerateOptions, output: FolderOutput): Promise<GenerateResult> {
  const started = Date.now();
  const plan = new EstatePlan(options);
  const gen = new Generator(plan, options, output);
  return gen.run(started);
}

class Generator {
  private readonly stats: GroupStats;
  private readonly random: Random;
  private readonly accountId: string;
  private readonly bucketOwner: string;
  private readonly windowStartMs: number;
  private readonly asOfEndMs: number;
  private readonly inventoryVersions: InventoryVersions;
  private readonly inventoryFields: readonly string[];
  /** Exempt objects as (group, index, reason) — a few bytes each; keys are derived when truth.json is written. */
  private readonly exemptRefs: { groups: number[]; indexes: number[]; reasons: ('legalHold' | 'objectLock')[] } = { groups: [], indexes: [], reasons: [] };
  private readonly records: LogRecordFactory;
  private readonly deliveries: LogDelivery[] = [];
  private dropped = 0;
  private duplicated = 0;
  private late = 0;

  constructor(
    private readonly plan: EstatePlan,
    private readonly options: GenerateOptions,
    private readonly output: FolderOutput,
  ) {
    this.stats = new GroupStats(plan.groups.length);
    this.random = new Random(options.seed, 0x1095);
    this.accountId = accountIdFor(options.seed);
    this.bucketOwner = this.random.hex(32);
    this.windowStartMs = plan.windowStartDay * DAY_MS;
    this.asOfEndMs = (options.asOfDay + 1) * DAY_MS;
    this.inventoryVersions = options.inventoryVersions ?? 'all';
    this.inventoryFields = options.inventoryFields ?? DEFAULT_INVENTORY_FIELDS;
    checkInventoryFields(this.inventoryVersions, this.inventoryFields);
    this.records = new LogRecordFactory(this.bucketOwner, options.bucket, this.accountId, options.region);
  }

  async run(started: number): Promise<GenerateResult> {
    let mark = Date.now();
    const phaseSeconds: Record<string, number> = {};
    const lap = (phase: string) => {
      const now = Date.now();
      phaseSeconds[phase] = (now - mark) / 1000;
      if (process.env.S3LS_DEBUG_MEMORY) (globalThis as { gc?: () => void }).gc?.();
      if (process.env.S3LS_DEBUG_MEMORY)
        process.stderr.write(
          `[generate] ${phase}: ${Math.round(process.memoryUsage().rss / 1048576)} MB rss, ${Math.round(process.memoryUsage().heapUsed / 1048576)} MB heap\n`,
        );
      mark = now;
    };
    const inventory = await this.writeInventory();
    lap('inventory');
    await this.writeAccessLogs();
    lap('accessLogs');
    const unused = this.unusedGroups();
    const lifecycle = await this.writeLifecycle(unused);
    lap('lifecycle');
    const { summary: truth, lists } = this.truth(unused, inventory, lifecycle);
    await writeTruth(this.output, truth, lists);
    lap('truth');
    return {
      truth,
      files: { inventory: inventory.files, logs: truth.logs.files, manifest: inventory.manifestKey },
      seconds: (Date.now() - started) / 1000,
      plan: this.plan,
      phaseSeconds,
    };
  }

  // ---- Inventory ------------------------------------------------------------------------------

  private async writeInventory() {
    const { options, plan } = this;
    const reportMs = this.asOfEndMs + HOUR_MS;
    const layout: InventoryLayout = {
      destinationPrefix: 'inventory',
      sourceBucket: options.bucket,
      configId: 'daily-full',
      reportTime: reportTimeFolder(reportMs),
    };
    const names = new Random(options.seed, 0xdf11);
    const files: WrittenFile[] = [];
    // Opened when the first row needs it, so no empty data file is ever left behind.
    let file: TextFile | undefined;
    let rowsInFile = 0;
    let versions = 0;
    let currentObjects = 0;
    let deleteMarkers = 0;
    let done = 0;

    const fields = this.inventoryFields;
    const allVersions = this.inventoryVersions === 'all';
    for (const group of plan.groups) {
      for (let j = 0; j < group.objects; j++) {
        const object = plan.objectAt(group, j);
        const current = object.versions[0]!;
        // A report of current versions lists neither older versions nor keys whose current version is a delete marker.
        const listed = allVersions ? object.versions : current.isDeleteMarker ? [] : [current];
        if (listed.length > 0) {
          let rows = '';
          for (const v of listed) rows += inventoryCsvLine(fields, options.bucket, object.key, v);
          file ??= this.output.open(dataFileKey(layout, `${names.uuid()}.csv.gz`), { gzip: true });
          await file.write(rows);
          versions += listed.length;
          rowsInFile += listed.length;
        }
        if (current.isDeleteMarker) deleteMarkers++;
        else {
          currentObjects++;
          this.account(group, object, current);
        }
        if (file && rowsInFile >= options.rowsPerInventoryFile) {
          files.push(await file.close());
          file = undefined;
          rowsInFile = 0;
        }
      }
      done += group.objects;
      if (group.index % 500 === 0) options.onProgress?.('inventory', done, plan.totalObjects);
    }
    if (file) files.push(await file.close());

    let report = { files, fileFormat: 'CSV' as InventoryManifest['fileFormat'], fileSchema: csvFileSchema(fields) };
    if (options.convertInventory) report = await options.convertInventory(files, fields);
    const manifest: InventoryManifest = {
      sourceBucket: options.bucket,
      destinationBucket: `arn:aws:s3:::${options.inventoryBucket}`,
      version: '2016-11-30',
      creationTimestamp: String(reportMs),
      fileFormat: report.fileFormat,
      fileSchema: report.fileSchema,
      files: report.files.map((f): InventoryManifestFile => ({ key: f.path, size: f.bytes, MD5checksum: f.md5 })),
    };
    const key = manifestKey(layout);
    const manifestFile = this.output.open(key);
    await manifestFile.write(JSON.stringify(manifest, null, 2));
    const written = await manifestFile.close();
    const checksum = this.output.open(key.replace(/manifest\.json$/, 'manifest.checksum'));
    await checksum.write(`${written.md5}\n`);
    await checksum.close();
    // The Hive-compatible symlink file S3 writes beside the report, for Athena partitions.
    const symlink = this.output.open(
      `${layout.destinationPrefix}/${layout.sourceBucket}/${layout.configId}/hive/dt=${layout.reportTime.slice(0, 10)}-${layout.reportTime.slice(11, 16)}/symlink.txt`,
    );
    await symlink.write(report.files.map((f) => `s3://${options.inventoryBucket}/${f.path}\n`).join(''));
    await symlink.close();
    return { files: report.files, manifestKey: key, versions, currentObjects, deleteMarkers, fileFormat: report.fileFormat };
  }

  /** Tallies a current, non-delete-marker version into its prefix's eligibility. */
  private account(group: Group, object: EstateObject, current: ObjectVersion): void {
    // A lock or hold is exempt only where the report shows it: without those fields no analysis can
    // see it (the tagging run then reads each object's lock itself).
    const held = current.legalHold && this.inventoryFields.includes('ObjectLockLegalHoldStatus');
    const retained = current.lockRetainUntil >= this.asOfEndMs && this.inventoryFields.includes('ObjectLockRetainUntilDate');
    const exemptReason = held ? 'legalHold' : retained ? 'objectLock' : undefined;
    if (exemptReason) {
      this.exemptRefs.groups.push(group.index);
      this.exemptRefs.indexes.push(object.index);
      this.exemptRefs.reasons.push(exemptReason);
      return;
    }
    if (current.lastModified >= this.windowStartMs) return; // younger than the window
    const g = group.index;
    this.stats.eligible[g]!++;
    this.stats.eligibleBytes[g]! += current.size;
    if (current.lastModified > this.stats.newestEligible[g]!) this.stats.newestEligible[g] = current.lastModified;
    this.stats.classes[g * STORAGE_CLASSES.length + STORAGE_CLASSES.indexOf(current.storageClass)]!++;
  }

  // ---- Access logs ----------------------------------------------------------------------------

  private async writeAccessLogs(): Promise<void> {
    const stats = await writeWindowLogs({
      plan: this.plan,
      seed: this.options.seed,
      bucket: this.options.bucket,
      records: this.records,
      delivery: this.delivery(0xde12),
      onCountedRead: (group, time) => {
        this.stats.reads[group]!++;
        if (time > this.stats.lastRead[group]!) this.stats.lastRead[group] = time;
      },
      onDay: (done, total) => this.options.onProgress?.('access logs', done, total),
    });
    this.dropped = stats.dropped;
    this.duplicated = stats.duplicated;
    this.late = stats.late;
  }

  /** A delivery of log objects; its counts join the totals when it is done. */
  private delivery(salt: number): LogDelivery {
    const delivery = new LogDelivery(
      this.output,
      this.options.logLayout,
      { targetPrefix: 'logs/', accountId: this.accountId, region: this.options.region, sourceBucket: this.options.bucket },
      new Random(this.options.seed, salt),
    );
    this.deliveries.push(delivery);
    return delivery;
  }

  // ---- Lifecycle ------------------------------------------------------------------------------

  private unusedGroups(): Group[] {
    return this.plan.groups.filter((g) => this.stats.eligible[g.index]! > 0 && this.stats.reads[g.index] === 0);
  }

  private async writeLifecycle(unused: Group[]) {
    const schedule = new LifecycleSchedule(this.options.seed, this.asOfEndMs, (group, index) => this.plan.keyOf(this.plan.groups[group]!, index));
    for (const group of unused) {
      for (let j = 0; j < group.objects; j++) {
        const object = this.plan.objectAt(group, j);
        if (this.isEligible(object)) schedule.add(group.index, j, object.key);
      }
    }
    const random = new Random(this.options.seed, 0x11fe);
    const delivery = this.delivery(0x11ff);
    let events = 0;
    const transitions = new Map<number, [number, number, number]>();
    let lastHour = -1;
    for (const event of schedule.events()) {
      const group = this.plan.groups[event.group]!;
      const object = this.plan.objectAt(group, event.index);
      const hour = Math.floor(event.time / HOUR_MS);
      let counters = transitions.get(hour);
      if (!counters) transitions.set(hour, (counters = [0, 0, 0]));
      counters[event.phase]!++;
      const markerVersion = versionId(new Random(this.options.seed, 0xd3, event.group, event.index));
      // One record, adjusted in place: each line is formatted before the next change.
      const record = this.records.internal(event.time, random, 'S3.EXPIRE.OBJECT', object.key);
      const emit = () => {
        events++;
        const line = formatAccessLogLine(record);
        const draw = random.next();
        // A few lines arrive out of order (in a later file) or twice.
        delivery.add({ time: event.time, deliveryHour: draw < 0.002 ? hour + 1 + random.int(3) : hour, line });
        if (draw > 0.998) delivery.add({ time: event.time, deliveryHour: hour + 1, line });
      };
      if (event.phase === 0) {
        record.operation = 'S3.CREATE.DELETEMARKER';
        record.versionId = markerVersion;
        emit();
      } else if (event.phase === 1) {
        for (const v of object.versions) {
          record.requestId = random.hex(8).toUpperCase();
          record.objectSize = v.size;
          record.versionId = v.versionId || 'null';
          emit();
        }
      } else {
        record.versionId = markerVersion;
        emit();
      }
      if (hour !== lastHour) {
        // Events come in time order and lines are only ever delivered late, never early: every
        // delivery hour before this event's hour is complete.
        lastHour = hour;
        await delivery.flushBefore(hour);
      }
    }
    await delivery.flushBefore();
    return { objects: schedule.size, events, transitions, partitions: schedule.partitions() };
  }

  private isEligible(object: EstateObject): boolean {
    const current = object.versions[0]!;
    return !current.isDeleteMarker && !current.legalHold && current.lockRetainUntil < this.asOfEndMs && current.lastModified < this.windowStartMs;
  }

  // ---- Truth ----------------------------------------------------------------------------------

  /**
   * The truth: the summary in memory, the long lists (unused prefixes, read-once prefixes, exempt
   * objects) as generators that truth.json is written from, an entry at a time.
   */
  private truth(
    unused: Group[],
    inventory: Awaited<ReturnType<Generator['writeInventory']>>,
    lifecycle: Awaited<ReturnType<Generator['writeLifecycle']>>,
  ): { summary: TruthSummary; lists: TruthLists } {
    const { options, plan, stats } = this;
    const byPrefix = (a: Group, b: Group) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0);
    const unusedSorted = [...unused].sort(byPrefix);
    const readOnceSorted = plan.groups.filter((g) => stats.reads[g.index] === 1).sort(byPrefix);
    const refs = this.exemptRefs;
    const lists: TruthLists = {
      *unusedPrefixes() {
        for (const g of unusedSorted) {
          yield {
            prefix: g.prefix,
            objects: stats.eligible[g.index]!,
            bytes: stats.eligibleBytes[g.index]!,
            storageClasses: classesOf(stats, g.index),
            newestLastModified: formatIso(stats.newestEligible[g.index]!),
            lastAccess: null,
          };
        }
      },
      *readOnce() {
        for (const g of readOnceSorted) yield { prefix: g.prefix, lastAccess: formatIso(stats.lastRead[g.index]!) };
      },
      *exempt() {
        for (let i = 0; i < refs.groups.length; i++) {
          const object = plan.objectAt(plan.groups[refs.groups[i]!]!, refs.indexes[i]!);
          yield { key: object.key, versionId: object.versions[0]!.versionId, reason: refs.reasons[i]! };
        }
      },
    };
    let unusedObjects = 0;
    let unusedBytes = 0;
    for (const g of unused) {
      unusedObjects += stats.eligible[g.index]!;
      unusedBytes += stats.eligibleBytes[g.index]!;
    }

    const timeline: LifecycleBucketTruth[] = [];
    const hours = [...lifecycle.transitions.keys()].sort((a, b) => a - b);
    if (hours.length > 0) {
      let dm = 0;
      let nc = 0;
      let gone = 0;
      for (let hour = hours[0]!; hour <= hours[hours.length - 1]!; hour++) {
        const t = lifecycle.transitions.get(hour);
        if (t) {
          dm += t[0];
          nc += t[1];
          gone += t[2];
        }
        timeline.push({ bucket: formatIso(hour * HOUR_MS), current: lifecycle.objects - dm, deleteMarked: dm - nc, noncurrentExpired: nc - gone, gone });
      }
    }
    const exemptObjects = refs.groups.length;
    const youngObjects = inventory.currentObjects - exemptObjects - stats.eligible.reduce((a, b) => a + b, 0);
    const summary: TruthSummary = {
      generator: {
        version: GENERATOR_VERSION,
        seed: options.seed,
        objects: options.objects,
        asOf: formatDay(options.asOfDay),
        days: options.days,
        bucket: options.bucket,
        inventoryBucket: options.inventoryBucket,
        logsBucket: options.logsBucket,
        logLayout: options.logLayout,
      },
      window: {
        start: formatDay(plan.windowStartDay),
        end: formatDay(options.asOfDay),
        days: options.days,
        countedOperations: READ_OPERATIONS,
        countedStatuses: READ_STATUSES,
        excludedRequesters: SERVICE_REQUESTERS,
        countBy: 'requestId',
      },
      inventory: {
        manifestKey: inventory.manifestKey,
        versions: inventory.versions,
        currentObjects: inventory.currentObjects,
        deleteMarkers: inventory.deleteMarkers,
        fileFormat: inventory.fileFormat,
        listsVersions: this.inventoryVersions,
        fields: [...this.inventoryFields],
      },
      logs: {
        files: this.deliveries.reduce((n, d) => n + d.files, 0),
        lines: this.deliveries.reduce((n, d) => n + d.lines, 0),
        dropped: this.dropped,
        duplicated: this.duplicated,
        late: this.late,
        daysWithLogs: [...new Set(this.deliveries.flatMap((d) => [...d.daysWithLogs]))].sort(),
      },
      summary: {
        prefixes: plan.groups.length,
        unusedPrefixes: unused.length,
        unusedObjects,
        unusedBytes,
        exemptObjects,
        youngObjects,
      },
      lifecycle: { bucketSize: 'hour', objects: lifecycle.objects, events: lifecycle.events, timeline, partitions: lifecycle.partitions.map(partitionTruth) },
    };
    return { summary, lists };
  }
}

/** Bucket, Key, the version fields of a report of all versions, then the optional fields in the order given: the fields of a report as S3 writes it. */
export function inventoryReportFields(versions: InventoryVersions, optional: readonly string[]): string[] {
  return ['Bucket', 'Key', ...(versions === 'all' ? VERSION_FIELDS : []), ...optional];
}

/** The optional fields S3 Inventory offers (its OptionalFields), for --inventory-fields. */
export const OPTIONAL_INVENTORY_FIELDS = Object.keys(INVENTORY_FIELD_TYPES).filter(
  (f) => f !== 'Bucket' && f !== 'Key' && !(VERSION_FIELDS as readonly string[]).includes(f),
);

function checkInventoryFields(versions: InventoryVersions, fields: readonly string[]): void {
  if (fields[0] !== 'Bucket' || fields[1] !== 'Key') throw new Error('an inventory report starts with Bucket, Key');
  const hasVersions = VERSION_FIELDS.every((f) => fields.includes(f));
  if (versions === 'all' && !hasVersions) throw new Error('a report of all versions has VersionId, IsLatest and IsDeleteMarker');
  if (versions === 'current' && VERSION_FIELDS.some((f) => fields.includes(f)))
    throw new Error('a report of current versions has no VersionId, IsLatest or IsDeleteMarker: S3 adds them only to reports of all versions');
  const unknown = fields.filter((f) => !(f in INVENTORY_FIELD_TYPES));
  if (unknown.length > 0) throw new Error(`${unknown.join(', ')}: not S3 Inventory fields (${OPTIONAL_INVENTORY_FIELDS.join(', ')})`);
  if (new Set(fields).size !== fields.length) throw new Error('an inventory field is named twice');
}

/**
 * Writes truth.json one array entry per line: at ten million objects the lists hold hundreds of
 * thousands of entries, and one JSON.stringify of all of it would need several times its size.
 */
async function writeTruth(output: FolderOutput, summary: TruthSummary, lists: TruthLists): Promise<void> {
  const file = output.open('truth.json');
  const head = JSON.stringify(summary, null, 1);
  await file.write(head.slice(0, -2));
  const named: [string, Iterable<unknown>][] = [
    ['unusedPrefixes', lists.unusedPrefixes()],
    ['readOnce', lists.readOnce()],
    ['exempt', lists.exempt()],
  ];
  for (const [name, list] of named) {
    await file.write(`,\n "${name}": [`);
    let first = true;
    for (const entry of list) {
      await file.write(`${first ? '' : ','}\n  ${JSON.stringify(entry)}`);
      first = false;
    }
    await file.write(first ? ']' : '\n ]');
  }
  await file.write('\n}\n');
  await file.close();
}

const PHASE_KINDS = ['delete_marker', 'expire_version', 'expire_marker'] as const;

function partitionTruth(p: LifecyclePartition): LifecyclePartitionTruth {
  return {
    index: p.index,
    firstKey: p.firstKey,
    lastKey: p.lastKey,
    objects: p.objects,
    phases: p.phases.map((phase, i) => ({ kind: PHASE_KINDS[i]!, start: formatIso(phase.start), end: formatIso(phase.end) })),
  };
}

function classesOf(stats: GroupStats, group: number): Partial<Record<StorageClass, number>> {
  const classes: Partial<Record<StorageClass, number>> = {};
  const sorted = [...STORAGE_CLASSES].sort();
  for (const c of sorted) {
    const n = stats.classes[group * STORAGE_CLASSES.length + STORAGE_CLASSES.indexOf(c)]!;
    if (n > 0) classes[c] = n;
  }
  return classes;
}
