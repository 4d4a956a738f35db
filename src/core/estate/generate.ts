// The synthetic estate generator: from an EstatePlan, writes the S3 Inventory report, the server
// access logs of the window (with best-effort delivery: drops, duplicates, late files), the
// lifecycle deletion that follows it, and truth.json — what a correct analysis must find.
// Streams: memory grows with the number of prefixes and one day of log lines, not with objects.

import { formatAccessLogLine, logObjectKey, objectPath, type AccessLogRecord, type LogLayout } from '../accessLog/format';
import { hashString, Random } from '../random';
import {
  csvFileSchema,
  dataFileKey,
  inventoryCsvLine,
  manifestKey,
  reportTimeFolder,
  type InventoryLayout,
  type InventoryManifest,
  type InventoryManifestFile,
} from '../inventory/csv';
import { accountIdFor, EstatePlan, versionId, type EstateObject, type EstateOptions, type Group, type ObjectVersion, type StorageClass } from './plan';
import type { FolderOutput, WrittenFile } from './output';
import { DAY_MS, formatDay, formatIso, HOUR_MS } from './time';
import { LifecycleSchedule } from './lifecycle';

export const GENERATOR_VERSION = 1;

export interface GenerateOptions extends EstateOptions {
  logLayout: LogLayout;
  region: string;
  inventoryBucket: string;
  logsBucket: string;
  /** Rows per inventory data file before a new file starts. */
  rowsPerInventoryFile: number;
  /** Rewrites the CSV data files in another format (Parquet) before the manifest names them. */
  convertInventory?: (files: WrittenFile[]) => Promise<{ files: WrittenFile[]; fileFormat: InventoryManifest['fileFormat']; fileSchema: string }>;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** The operations that mean someone used the data, the statuses that mean it worked. */
export const COUNTED_OPERATIONS = ['REST.GET.OBJECT', 'REST.HEAD.OBJECT', 'REST.COPY.OBJECT_GET'] as const;
export const COUNTED_STATUSES = [200, 206, 304] as const;
/** Requesters whose reads are the bucket owner's own machinery, not use. */
export const SERVICE_REQUESTERS = ['AmazonS3'] as const;

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
  generator: { version: number; seed: number; objects: number; asOf: string; days: number; bucket: string; inventoryBucket: string; logsBucket: string; logLayout: LogLayout };
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
  inventory: { manifestKey: string; versions: number; currentObjects: number; deleteMarkers: number; fileFormat: string };
  logs: { files: number; lines: number; dropped: number; duplicated: number; late: number; daysWithLogs: string[] };
  unusedPrefixes: UnusedPrefixTruth[];
  readOnce: { prefix: string; lastAccess: string }[];
  exempt: { key: string; versionId: string; reason: 'legalHold' | 'objectLock' }[];
  summary: { prefixes: number; unusedPrefixes: number; unusedObjects: number; unusedBytes: number; exemptObjects: number; youngObjects: number };
  lifecycle: { bucketSize: 'hour'; objects: number; events: number; timeline: LifecycleBucketTruth[] };
}

export interface GenerateResult {
  truth: EstateTruth;
  files: { inventory: WrittenFile[]; logs: number; manifest: string };
  seconds: number;
  /** Wall time of each phase: inventory, accessLogs, lifecycle. */
  phaseSeconds: Record<string, number>;
}

interface PendingLine {
  time: number;
  deliveryHour: number;
  line: string;
}

/** Per prefix, what the truth needs. Typed arrays: a few bytes per prefix. */
class GroupStats {
  readonly eligible: Float64Array;
  readonly eligibleBytes: Float64Array;
  readonly newestEligible: Float64Array;
  readonly reads: Float64Array;
  readonly lastRead: Float64Array;
  readonly classes: Map<number, Partial<Record<StorageClass, number>>> = new Map();
  constructor(size: number) {
    this.eligible = new Float64Array(size);
    this.eligibleBytes = new Float64Array(size);
    this.newestEligible = new Float64Array(size);
    this.reads = new Float64Array(size);
    this.lastRead = new Float64Array(size);
  }
}

const IPV4 = ['192.0.2.', '198.51.100.', '203.0.113.'];
const USER_AGENTS = [
  'aws-sdk-java/1.12.261 Linux/5.10.184-175.731.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.20+8-LTS java/11.0.20 vendor/Amazon.com_Inc. exec-env/AWS_ECS_EC2',
  'aws-cli/2.13.5 Python/3.11.4 Linux/5.15.0-1041-aws exe/x86_64.ubuntu.22 prompt/off command/s3.cp',
  'Boto3/1.28.0 md/Botocore#1.31.0 ua/2.0 os/linux#5.10.186 md/arch#x86_64 lang/python#3.9.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.0',
  'S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.184 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372',
  'aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.0 md/GOOS#linux md/GOARCH#amd64 api/s3#1.38.5',
  'Apache-HttpClient/4.5.13 (Java/17.0.8) Spark/3.4.1 Hadoop/3.3.3 aws-sdk-java/1.12.367',
];

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
  private readonly exempt: EstateTruth['exempt'] = [];
  private logFiles = 0;
  private logLines = 0;
  private dropped = 0;
  private duplicated = 0;
  private late = 0;
  private readonly daysWithLogs = new Set<string>();

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
  }

  async run(started: number): Promise<GenerateResult> {
    let mark = Date.now();
    const phaseSeconds: Record<string, number> = {};
    const lap = (phase: string) => {
      const now = Date.now();
      phaseSeconds[phase] = (now - mark) / 1000;
      mark = now;
    };
    const inventory = await this.writeInventory();
    lap('inventory');
    await this.writeAccessLogs();
    lap('accessLogs');
    const unused = this.unusedGroups();
    const lifecycle = await this.writeLifecycle(unused);
    lap('lifecycle');
    const truth = this.truth(unused, inventory, lifecycle);
    const truthFile = this.output.open('truth.json');
    await truthFile.write(JSON.stringify(truth, null, 1) + '\n');
    await truthFile.close();
    return { truth, files: { inventory: inventory.files, logs: this.logFiles, manifest: inventory.manifestKey }, seconds: (Date.now() - started) / 1000, phaseSeconds };
  }

  // ---- Inventory ------------------------------------------------------------------------------

  private async writeInventory() {
    const { options, plan } = this;
    const reportMs = this.asOfEndMs + HOUR_MS;
    const layout: InventoryLayout = { destinationPrefix: 'inventory', sourceBucket: options.bucket, configId: 'daily-full', reportTime: reportTimeFolder(reportMs) };
    const names = new Random(options.seed, 0xdf11);
    const files: WrittenFile[] = [];
    let file = this.output.open(dataFileKey(layout, `${names.uuid()}.csv.gz`), { gzip: true });
    let rowsInFile = 0;
    let versions = 0;
    let currentObjects = 0;
    let deleteMarkers = 0;
    let done = 0;

    for (const group of plan.groups) {
      for (let j = 0; j < group.objects; j++) {
        const object = plan.objectAt(group, j);
        let rows = '';
        for (const v of object.versions) rows += inventoryCsvLine(options.bucket, object.key, v);
        await file.write(rows);
        versions += object.versions.length;
        rowsInFile += object.versions.length;
        const current = object.versions[0]!;
        if (current.isDeleteMarker) deleteMarkers++;
        else {
          currentObjects++;
          this.account(group, object, current);
        }
        if (rowsInFile >= options.rowsPerInventoryFile) {
          files.push(await file.close());
          file = this.output.open(dataFileKey(layout, `${names.uuid()}.csv.gz`), { gzip: true });
          rowsInFile = 0;
        }
      }
      done += group.objects;
      if (group.index % 500 === 0) options.onProgress?.('inventory', done, plan.totalObjects);
    }
    if (rowsInFile > 0 || files.length === 0) files.push(await file.close());
    else await file.close(); // an empty trailing file is not part of the report

    let report = { files, fileFormat: 'CSV' as InventoryManifest['fileFormat'], fileSchema: csvFileSchema() };
    if (options.convertInventory) report = await options.convertInventory(files);
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
    const symlink = this.output.open(`${layout.destinationPrefix}/${layout.sourceBucket}/${layout.configId}/hive/dt=${layout.reportTime.slice(0, 10)}-${layout.reportTime.slice(11, 16)}/symlink.txt`);
    await symlink.write(report.files.map((f) => `s3://${options.inventoryBucket}/${f.path}\n`).join(''));
    await symlink.close();
    return { files: report.files, manifestKey: key, versions, currentObjects, deleteMarkers, fileFormat: report.fileFormat };
  }

  /** Tallies a current, non-delete-marker version into its prefix's eligibility. */
  private account(group: Group, object: EstateObject, current: ObjectVersion): void {
    const exemptReason = current.legalHold ? 'legalHold' : current.lockRetainUntil >= this.asOfEndMs ? 'objectLock' : undefined;
    if (exemptReason) {
      this.exempt.push({ key: object.key, versionId: current.versionId, reason: exemptReason });
      return;
    }
    if (current.lastModified >= this.windowStartMs) return; // younger than the window
    const g = group.index;
    this.stats.eligible[g]!++;
    this.stats.eligibleBytes[g]! += current.size;
    if (current.lastModified > this.stats.newestEligible[g]!) this.stats.newestEligible[g] = current.lastModified;
    let classes = this.stats.classes.get(g);
    if (!classes) this.stats.classes.set(g, (classes = {}));
    classes[current.storageClass] = (classes[current.storageClass] ?? 0) + 1;
  }

  // ---- Access logs ----------------------------------------------------------------------------

  private record(time: number, random: Random, fields: Partial<AccessLogRecord> & Pick<AccessLogRecord, 'operation'>): AccessLogRecord {
    const viaAccessPoint = random.chance(0.04);
    const ipv6 = random.chance(0.15);
    return {
      bucketOwner: this.bucketOwner,
      bucket: this.options.bucket,
      time,
      remoteIp: ipv6 ? `2001:db8:${random.int(65536).toString(16)}::${random.int(65536).toString(16)}` : `${random.pick(IPV4)}${1 + random.int(254)}`,
      requester: `arn:aws:sts::${this.accountId}:assumed-role/${random.pick(['etl-reader', 'analytics', 'api-service', 'backup-job'])}/session-${random.hex(4)}`,
      requestId: random.hex(8).toUpperCase(),
      key: null,
      request: null,
      httpStatus: 200,
      errorCode: null,
      bytesSent: null,
      objectSize: null,
      totalTimeMs: 5 + random.int(400),
      turnAroundMs: 1 + random.int(60),
      referrer: random.chance(0.03) ? 'https://console.aws.amazon.com/' : null,
      userAgent: random.pick(USER_AGENTS),
      versionId: null,
      hostId: hostId(random),
      signatureVersion: 'SigV4',
      cipherSuite: random.pick(['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256']),
      authType: 'AuthHeader',
      hostHeader: viaAccessPoint ? `ap-${random.hex(3)}-${this.accountId}.s3-accesspoint.${this.options.region}.amazonaws.com` : `${this.options.bucket}.s3.${this.options.region}.amazonaws.com`,
      tlsVersion: random.pick(['TLSv1.2', 'TLSv1.3']),
      accessPointArn: viaAccessPoint ? `arn:aws:s3:${this.options.region}:${this.accountId}:accesspoint/reports-ap` : null,
      aclRequired: random.chance(0.02) ? 'Yes' : null,
      sourceRegion: random.chance(0.9) ? this.options.region : null,
      ...fields,
    };
  }

  /** A record of S3's own (lifecycle) work: no client, no request line, no TLS. */
  private internalRecord(time: number, random: Random, operation: string, key: string): AccessLogRecord {
    return {
      bucketOwner: this.bucketOwner,
      bucket: this.options.bucket,
      time,
      remoteIp: '-',
      requester: 'AmazonS3',
      requestId: random.hex(8).toUpperCase(),
      operation,
      key,
      request: null,
      httpStatus: null,
      errorCode: null,
      bytesSent: null,
      objectSize: null,
      totalTimeMs: null,
      turnAroundMs: null,
      referrer: null,
      userAgent: null,
      versionId: null,
      hostId: null,
      signatureVersion: null,
      cipherSuite: null,
      authType: null,
      hostHeader: null,
      tlsVersion: null,
      accessPointArn: null,
      aclRequired: null,
      sourceRegion: null,
    };
  }

  /** One day's requests, in event-time order. */
  private dayEvents(day: number): { time: number; record: AccessLogRecord; group: number; counted: boolean }[] {
    const { plan, options } = this;
    const random = new Random(options.seed, 0xa11, day);
    const dayStart = day * DAY_MS;
    const events: { time: number; record: AccessLogRecord; group: number; counted: boolean }[] = [];
    const bucket = options.bucket;

    const read = (group: Group, time: number) => {
      const j = random.int(group.objects);
      const object = plan.objectAt(group, j);
      const current = object.versions[0]!;
      if (time < current.lastModified) time = current.lastModified + 1000 + random.int(HOUR_MS);
      if (time >= dayStart + DAY_MS) return;
      if (current.isDeleteMarker || object.key.endsWith('/')) {
        // Reading a deleted key: 404, which is not use of the data.
        events.push({ time, group: group.index, counted: false, record: this.record(time, random, { operation: 'REST.GET.OBJECT', key: object.key, request: `GET ${objectPath(bucket, object.key)}`, httpStatus: 404, errorCode: 'NoSuchKey', bytesSent: 243, objectSize: null }) });
        return;
      }
      const kind = random.weighted(['get', 'range', 'notModified', 'head', 'copy'] as const, [60, 10, 5, 20, 5]);
      const size = current.size;
      const versionQuery = group.versioned && random.chance(0.1) ? `?versionId=${current.versionId}` : '';
      let record: AccessLogRecord;
      switch (kind) {
        case 'get':
          record = this.record(time, random, { operation: 'REST.GET.OBJECT', key: object.key, request: `GET ${objectPath(bucket, object.key)}${versionQuery}`, bytesSent: size, objectSize: size, versionId: versionQuery ? current.versionId : null });
          break;
        case 'range': {
          const sent = Math.min(size, 1 + random.int(1 << 20));
          record = this.record(time, random, { operation: 'REST.GET.OBJECT', key: object.key, request: `GET ${objectPath(bucket, object.key)}`, httpStatus: 206, bytesSent: sent, objectSize: size });
          break;
        }
        case 'notModified':
          record = this.record(time, random, { operation: 'REST.GET.OBJECT', key: object.key, request: `GET ${objectPath(bucket, object.key)}`, httpStatus: 304, bytesSent: null, objectSize: size });
          break;
        case 'head':
          record = this.record(time, random, { operation: 'REST.HEAD.OBJECT', key: object.key, request: `HEAD ${objectPath(bucket, object.key)}`, bytesSent: null, objectSize: size });
          break;
        case 'copy':
          record = this.record(time, random, { operation: 'REST.COPY.OBJECT_GET', key: object.key, request: `PUT /${bucket}-replica/${object.key.split('/').map(encodeURIComponent).join('/')}`, bytesSent: null, objectSize: size });
          break;
      }
      events.push({ time, group: group.index, counted: true, record });
    };

    for (const group of plan.groups) {
      if (day < group.day) continue; // not written yet
      let reads = 0;
      switch (group.access) {
        case 'hot':
          reads = 1 + random.poisson(2);
          break;
        case 'warm':
          reads = random.chance(0.25) ? 1 + random.poisson(0.5) : 0;
          break;
        case 'once':
          reads = Math.max(group.onceDay, group.day) === day ? 1 : 0;
          break;
        case 'never':
          reads = 0;
          break;
      }
      for (let r = 0; r < reads; r++) read(group, dayStart + random.int(DAY_MS));

      if (group.day === day) {
        // Objects written in the window: their uploads.
        for (let j = 0; j < group.objects; j++) {
          const object = plan.objectAt(group, j);
          for (const v of object.versions) {
            if (v.lastModified < dayStart || v.lastModified >= dayStart + DAY_MS) continue;
            const record = v.isDeleteMarker
              ? this.record(v.lastModified, random, { operation: 'REST.DELETE.OBJECT', key: object.key, request: `DELETE ${objectPath(bucket, object.key)}`, httpStatus: 204, versionId: v.versionId })
              : this.record(v.lastModified, random, { operation: 'REST.PUT.OBJECT', key: object.key, request: `PUT ${objectPath(bucket, object.key)}`, objectSize: v.size, versionId: v.versionId || null });
            events.push({ time: v.lastModified, group: group.index, counted: false, record });
          }
        }
      }
    }

    const groups = plan.groups;
    const noise = Math.max(2, Math.round(groups.length / 400));
    for (let n = 0; n < noise; n++) {
      const group = groups[random.int(groups.length)]!;
      const time = dayStart + random.int(DAY_MS);
      const listPrefix = group.prefix === '' ? '' : `${group.prefix}/`;
      // Listings: browsing is not reading.
      events.push({ time, group: group.index, counted: false, record: this.record(time, random, { operation: 'REST.GET.BUCKET', key: null, request: `GET /${bucket}?list-type=2&prefix=${encodeURIComponent(listPrefix)}&delimiter=%2F`, bytesSent: 1200 + random.int(40000) }) });
      // Denied and missing reads: attempts, not use.
      if (group.objects > 0 && group.access === 'never' && day >= group.day) {
        const key = plan.keyOf(group, random.int(group.objects));
        const t = dayStart + random.int(DAY_MS);
        events.push({ time: t, group: group.index, counted: false, record: this.record(t, random, { operation: 'REST.GET.OBJECT', key, request: `GET ${objectPath(bucket, key)}`, httpStatus: 403, errorCode: 'AccessDenied', bytesSent: 243, requester: `arn:aws:iam::${accountIdFor(options.seed + 1)}:user/intruder` }) });
        const missing = `${listPrefix}missing-${random.hex(4)}.json`;
        const t2 = dayStart + random.int(DAY_MS);
        events.push({ time: t2, group: group.index, counted: false, record: this.record(t2, random, { operation: 'REST.HEAD.OBJECT', key: missing, request: `HEAD ${objectPath(bucket, missing)}`, httpStatus: 404, errorCode: 'NoSuchKey', bytesSent: null }) });
      }
      // The bucket owner's lifecycle moving old data to a colder class.
      if (day >= group.day + 30) {
        const object = plan.objectAt(group, random.int(group.objects));
        const t = dayStart + random.int(DAY_MS);
        if (!object.versions[0]!.isDeleteMarker) {
          events.push({ time: t, group: group.index, counted: false, record: { ...this.internalRecord(t, random, 'S3.TRANSITION_SIA.OBJECT', object.key), objectSize: object.versions[0]!.size, versionId: object.versions[0]!.versionId || null } });
        }
      }
    }

    // A batch job's scratch files: written, then removed with one multi-object delete.
    const jobStart = dayStart + random.int(DAY_MS - 2 * HOUR_MS);
    const jobKeys = Array.from({ length: 2 + random.int(4) }, (_, i) => `tmp/job-${formatDay(day).replace(/-/g, '')}-${random.hex(3)}/part-${i}.tmp`);
    for (const [i, key] of jobKeys.entries()) {
      const t = jobStart + i * 1000;
      events.push({ time: t, group: -1, counted: false, record: this.record(t, random, { operation: 'REST.PUT.OBJECT', key, request: `PUT ${objectPath(bucket, key)}`, objectSize: 1000 + random.int(100000) }) });
    }
    const deleteTime = jobStart + HOUR_MS;
    const batch = this.record(deleteTime, random, { operation: 'REST.POST.MULTI_OBJECT_DELETE', key: null, request: `POST /${bucket}?delete`, bytesSent: 400 });
    events.push({ time: deleteTime, group: -1, counted: false, record: batch });
    for (const key of jobKeys) {
      events.push({ time: deleteTime, group: -1, counted: false, record: { ...batch, operation: 'BATCH.DELETE.OBJECT', key, request: null, httpStatus: 204, bytesSent: null } });
    }

    events.sort((a, b) => a.time - b.time);
    return events;
  }

  private async writeAccessLogs(): Promise<void> {
    const { options, plan } = this;
    const delivery = new Random(options.seed, 0xde11);
    let carry: PendingLine[] = [];
    for (let day = plan.windowStartDay; day <= options.asOfDay; day++) {
      const dayEndHour = (day + 1) * 24;
      const pending: PendingLine[] = carry.filter((p) => p.deliveryHour < dayEndHour);
      carry = carry.filter((p) => p.deliveryHour >= dayEndHour);
      for (const event of this.dayEvents(day)) {
        const line = formatAccessLogLine(event.record);
        const hour = Math.floor(event.time / HOUR_MS);
        const draw = delivery.next();
        if (draw < 0.002) {
          this.dropped++;
          continue; // best-effort delivery: this line never arrives
        }
        let deliveryHour = hour;
        if (draw < 0.007) {
          deliveryHour = hour + 1 + delivery.int(6);
          this.late++;
        }
        if (event.counted) this.countRead(event.group, event.time);
        (deliveryHour < dayEndHour ? pending : carry).push({ time: event.time, deliveryHour, line });
        if (draw >= 0.007 && draw < 0.009) {
          this.duplicated++;
          const again = hour + 1 + delivery.int(3);
          (again < dayEndHour ? pending : carry).push({ time: event.time, deliveryHour: again, line });
        }
      }
      await this.writeLogFiles(pending, delivery);
      options.onProgress?.('access logs', day - plan.windowStartDay + 1, options.days);
    }
    await this.writeLogFiles(carry, delivery);
  }

  private countRead(group: number, time: number): void {
    this.stats.reads[group]!++;
    if (time > this.stats.lastRead[group]!) this.stats.lastRead[group] = time;
  }

  /** Writes lines grouped by delivery hour: one or two files an hour, in delivery order. */
  private async writeLogFiles(lines: PendingLine[], random: Random): Promise<void> {
    const byHour = new Map<number, PendingLine[]>();
    for (const line of lines) {
      let list = byHour.get(line.deliveryHour);
      if (!list) byHour.set(line.deliveryHour, (list = []));
      list.push(line);
    }
    const parts = { targetPrefix: 'logs/', accountId: this.accountId, region: this.options.region, sourceBucket: this.options.bucket };
    const writes: Promise<void>[] = [];
    for (const hour of [...byHour.keys()].sort((a, b) => a - b)) {
      const hourLines = byHour.get(hour)!;
      const split = hourLines.length > 1 && random.chance(0.5) ? 2 : 1;
      const size = Math.ceil(hourLines.length / split);
      for (let part = 0; part < split; part++) {
        const chunk = hourLines.slice(part * size, (part + 1) * size);
        if (chunk.length === 0) continue;
        const eventTime = Math.min(...chunk.map((l) => l.time));
        const deliveredAt = (hour + 1) * HOUR_MS + random.int(20 * 60_000);
        const key = logObjectKey(this.options.logLayout, parts, eventTime, deliveredAt, random.hex(8).toUpperCase());
        writes.push(this.output.writeWhole(key, chunk.map((l) => l.line).join('\n') + '\n'));
        if (writes.length >= 32) await Promise.all(writes.splice(0));
        this.logFiles++;
        this.logLines += chunk.length;
        this.daysWithLogs.add(new Date(eventTime).toISOString().slice(0, 10));
      }
    }
    await Promise.all(writes);
  }

  // ---- Lifecycle ------------------------------------------------------------------------------

  private unusedGroups(): Group[] {
    return this.plan.groups.filter((g) => this.stats.eligible[g.index]! > 0 && this.stats.reads[g.index] === 0);
  }

  private async writeLifecycle(unused: Group[]) {
    const schedule = new LifecycleSchedule(this.options.seed, this.asOfEndMs);
    for (const group of unused) {
      for (let j = 0; j < group.objects; j++) {
        const object = this.plan.objectAt(group, j);
        if (this.isEligible(object)) schedule.add(group.index, j, hashString(object.key));
      }
    }
    const random = new Random(this.options.seed, 0x11fe);
    let buffered: PendingLine[] = [];
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
      const record = this.internalRecord(event.time, random, 'S3.EXPIRE.OBJECT', object.key);
      const emit = () => {
        events++;
        const line = formatAccessLogLine(record);
        const draw = random.next();
        // A few lines arrive out of order (in a later file) or twice.
        buffered.push({ time: event.time, deliveryHour: draw < 0.002 ? hour + 1 + random.int(3) : hour, line });
        if (draw > 0.998) buffered.push({ time: event.time, deliveryHour: hour + 1, line });
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
        // Hours that no later event can reach any more are complete: write them.
        lastHour = hour;
        const ready: PendingLine[] = [];
        const rest: PendingLine[] = [];
        for (const l of buffered) (l.deliveryHour < hour - 4 ? ready : rest).push(l);
        if (ready.length > 0) {
          await this.writeLogFiles(ready, random);
          buffered = rest;
        }
      }
    }
    await this.writeLogFiles(buffered, random);
    return { objects: schedule.size, events, transitions };
  }

  private isEligible(object: EstateObject): boolean {
    const current = object.versions[0]!;
    return !current.isDeleteMarker && !current.legalHold && current.lockRetainUntil < this.asOfEndMs && current.lastModified < this.windowStartMs;
  }

  // ---- Truth ----------------------------------------------------------------------------------

  private truth(unused: Group[], inventory: Awaited<ReturnType<Generator['writeInventory']>>, lifecycle: Awaited<ReturnType<Generator['writeLifecycle']>>): EstateTruth {
    const { options, plan, stats } = this;
    const unusedPrefixes: UnusedPrefixTruth[] = unused.map((g) => ({
      prefix: g.prefix,
      objects: stats.eligible[g.index]!,
      bytes: stats.eligibleBytes[g.index]!,
      storageClasses: sortedClasses(stats.classes.get(g.index) ?? {}),
      newestLastModified: formatIso(stats.newestEligible[g.index]!),
      lastAccess: null,
    }));
    unusedPrefixes.sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    const readOnce = plan.groups
      .filter((g) => stats.reads[g.index] === 1)
      .map((g) => ({ prefix: g.prefix, lastAccess: formatIso(stats.lastRead[g.index]!) }))
      .sort((a, b) => (a.prefix < b.prefix ? -1 : 1));

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
    const youngObjects = inventory.currentObjects - this.exempt.length - Array.from(stats.eligible).reduce((a, b) => a + b, 0);
    return {
      generator: { version: GENERATOR_VERSION, seed: options.seed, objects: options.objects, asOf: formatDay(options.asOfDay), days: options.days, bucket: options.bucket, inventoryBucket: options.inventoryBucket, logsBucket: options.logsBucket, logLayout: options.logLayout },
      window: {
        start: formatDay(plan.windowStartDay),
        end: formatDay(options.asOfDay),
        days: options.days,
        countedOperations: COUNTED_OPERATIONS,
        countedStatuses: COUNTED_STATUSES,
        excludedRequesters: SERVICE_REQUESTERS,
        countBy: 'requestId',
      },
      inventory: { manifestKey: inventory.manifestKey, versions: inventory.versions, currentObjects: inventory.currentObjects, deleteMarkers: inventory.deleteMarkers, fileFormat: inventory.fileFormat },
      logs: { files: this.logFiles, lines: this.logLines, dropped: this.dropped, duplicated: this.duplicated, late: this.late, daysWithLogs: [...this.daysWithLogs].sort() },
      unusedPrefixes,
      readOnce,
      exempt: this.exempt,
      summary: {
        prefixes: plan.groups.length,
        unusedPrefixes: unusedPrefixes.length,
        unusedObjects: unusedPrefixes.reduce((a, p) => a + p.objects, 0),
        unusedBytes: unusedPrefixes.reduce((a, p) => a + p.bytes, 0),
        exemptObjects: this.exempt.length,
        youngObjects,
      },
      lifecycle: { bucketSize: 'hour', objects: lifecycle.objects, events: lifecycle.events, timeline },
    };
  }
}


const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function hostId(random: Random): string {
  return `${random.chars(BASE64, 75)}=`;
}

function sortedClasses(classes: Partial<Record<StorageClass, number>>): Partial<Record<StorageClass, number>> {
  return Object.fromEntries(Object.entries(classes).sort(([a], [b]) => (a < b ? -1 : 1)));
}

