// The shape of a synthetic bucket that grew for years: its prefixes ("groups") and, computed on
// demand from (group, index), every object version in them. Nothing per object is stored, so the
// generator streams any number of objects in bounded memory, and every pass (inventory, access
// logs, lifecycle) sees exactly the same objects.

import { hash32, Random } from '../random';
import { DAY_MS } from '../time';

export type GroupKind = 'tenant' | 'logs' | 'images' | 'warehouse' | 'deep' | 'odd' | 'root';

/** How often a prefix is read in the window. */
export type AccessClass = 'hot' | 'warm' | 'once' | 'never';

export const STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'GLACIER_IR', 'INTELLIGENT_TIERING'] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

export interface EstateOptions {
  /** Current keys to generate (delete-marker keys and noncurrent versions come on top). */
  objects: number;
  seed: number;
  /** The last day of the access window, days since the epoch (UTC). */
  asOfDay: number;
  /** The window's length: `days` days ending with `asOfDay`, both included. */
  days: number;
  /** The source bucket's name. */
  bucket: string;
}

export interface Group {
  index: number;
  kind: GroupKind;
  /** The prefix every object of the group sits immediately under ('' for the bucket root). */
  prefix: string;
  objects: number;
  /** The day (since the epoch) the group's objects were written. */
  day: number;
  access: AccessClass;
  /** For `once`: the day of the one read. */
  onceDay: number;
  /** Objects here may have noncurrent versions or a delete marker as the current version. */
  versioned: boolean;
  /** Every object here is under legal hold. */
  legalHold: boolean;
}

export interface ObjectVersion {
  versionId: string;
  isLatest: boolean;
  isDeleteMarker: boolean;
  size: number;
  lastModified: number;
  etag: string;
  storageClass: StorageClass;
  multipart: boolean;
  intelligentTieringTier: string;
  lockMode: '' | 'GOVERNANCE' | 'COMPLIANCE';
  lockRetainUntil: number;
  legalHold: boolean;
}

export interface EstateObject {
  group: Group;
  index: number;
  key: string;
  /** All versions, newest first; `versions[0]` is the current one. */
  versions: ObjectVersion[];
}

const SPAN_DAYS = 6 * 365;
const SERVICES = ['api', 'billing', 'checkout', 'search', 'auth', 'ingest', 'mailer', 'reports', 'scheduler', 'web', 'worker', 'cdn-edge'];
const TABLES = ['events', 'orders', 'sessions', 'clicks', 'payments', 'inventory_snapshots', 'users', 'ads_impressions', 'experiments'];
const ALBUMS = ['Summer Trip', 'Team Offsite', 'Product Shots', 'Café Opening', 'Trade Show 2019', 'Holiday Party', 'Warehouse Tour', 'Naïve Art'];

interface KindSpec {
  weight: number;
  /** Objects per group: a log-normal median and shape, at least 1. */
  median: number;
  sigma: number;
  /** Number of parallel lanes (tenants, services, tables…) before the date advances. */
  lanes: number;
}

const KINDS: Record<Exclude<GroupKind, 'root'>, KindSpec> = {
  tenant: { weight: 40, median: 25, sigma: 0.8, lanes: 200 },
  logs: { weight: 20, median: 60, sigma: 0.7, lanes: SERVICES.length },
  images: { weight: 12, median: 20, sigma: 1.0, lanes: ALBUMS.length },
  warehouse: { weight: 18, median: 6, sigma: 0.6, lanes: TABLES.length },
  deep: { weight: 6, median: 3, sigma: 0.5, lanes: 24 },
  odd: { weight: 4, median: 4, sigma: 0.6, lanes: 6 },
};
const KIND_NAMES = Object.keys(KINDS) as Exclude<GroupKind, 'root'>[];
const KIND_WEIGHTS = KIND_NAMES.map((k) => KINDS[k].weight);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function ymd(day: number): { y: string; m: string; d: string } {
  const iso = new Date(day * DAY_MS).toISOString();
  return { y: iso.slice(0, 4), m: iso.slice(5, 7), d: iso.slice(8, 10) };
}

/** The lane's name: the list's names first, then numbered variants once the list runs out. */
function laneName(names: readonly string[], lane: number): string {
  const base = names[lane % names.length]!;
  return lane < names.length ? base : `${base}-${Math.floor(lane / names.length) + 1}`;
}

function groupPrefix(kind: GroupKind, lane: number, day: number, row: number): string {
  const { y, m, d } = ymd(day);
  switch (kind) {
    case 'tenant':
      return `tenant-${pad(lane + 1, 3)}/${y}/${m}/${d}`;
    case 'logs':
      return `logs/${laneName(SERVICES, lane)}/${y}/${m}/${d}`;
    case 'images':
      return `images/${laneName(ALBUMS, lane)} ${y}/batch ${pad(row + 1, 3)}`;
    case 'warehouse':
      return `warehouse/${laneName(TABLES, lane)}/dt=${y}-${m}-${d}`;
    case 'deep':
      return `archive/y=${y}/m=${m}/d=${d}/region=r${pad(lane, 2)}/shard=${pad(row % 97, 2)}/run-${pad(row, 5)}`;
    case 'odd':
      return `exports/q=${lane}+résumé %/${y}${m}${d} ✓ copy (${row})`;
    case 'root':
      return '';
  }
}

/** A plan for the whole estate: its groups. Costs a few dozen bytes per prefix, none per object. */
export class EstatePlan {
  readonly groups: Group[] = [];
  readonly windowStartDay: number;
  readonly totalObjects: number;

  constructor(readonly options: EstateOptions) {
    if (!Number.isInteger(options.objects) || options.objects < 1) throw new Error('objects must be a whole number of at least 1');
    if (!Number.isInteger(options.days) || options.days < 1) throw new Error('days must be a whole number of at least 1');
    this.windowStartDay = options.asOfDay - options.days + 1;
    const random = new Random(options.seed, 0x91a7);

    // First the kind and size of each group, then (once each kind's count is known) its dates.
    const drafts: { kind: GroupKind; objects: number }[] = [{ kind: 'root', objects: Math.min(options.objects, 5) }];
    let remaining = options.objects - drafts[0]!.objects;
    while (remaining > 0) {
      const kind = random.weighted(KIND_NAMES, KIND_WEIGHTS);
      const spec = KINDS[kind];
      const objects = Math.min(remaining, Math.max(1, Math.round(random.logNormal(spec.median, spec.sigma))));
      drafts.push({ kind, objects });
      remaining -= objects;
    }
    const perKind = new Map<GroupKind, number>();
    for (const d of drafts) perKind.set(d.kind, (perKind.get(d.kind) ?? 0) + 1);
    const seen = new Map<GroupKind, number>();

    for (const [index, draft] of drafts.entries()) {
      const k = seen.get(draft.kind) ?? 0;
      seen.set(draft.kind, k + 1);
      const count = perKind.get(draft.kind)!;
      let day = options.asOfDay - 400;
      let lane = 0;
      let row = 0;
      if (draft.kind !== 'root') {
        // Lanes fill one date at a time; the dates spread over the span and end at the as-of day,
        // so small estates get old and young data too.
        // At most SPAN_DAYS rows, so every (lane, row) has its own date and prefixes never collide.
        const lanes = Math.max(1, Math.min(KINDS[draft.kind].lanes, Math.ceil(count / 20)), Math.ceil(count / SPAN_DAYS));
        const rows = Math.ceil(count / lanes);
        lane = k % lanes;
        row = Math.floor(k / lanes);
        day = options.asOfDay - Math.floor((SPAN_DAYS * (rows - 1 - row)) / Math.max(rows, 1));
      }
      const recency = Math.max(0, 1 - (options.asOfDay - day) / SPAN_DAYS);
      const groupRandom = new Random(options.seed, 0x6a09, index);
      const access =
        draft.kind === 'root'
          ? 'hot'
          : groupRandom.weighted<AccessClass>(['hot', 'warm', 'once', 'never'], [0.05 + 0.3 * recency, 0.1 + 0.1 * recency, 0.1, 0.75 - 0.4 * recency]);
      this.groups.push({
        index,
        kind: draft.kind,
        prefix: groupPrefix(draft.kind, lane, day, row),
        objects: draft.objects,
        day,
        access,
        onceDay: this.windowStartDay + groupRandom.int(options.days),
        versioned: groupRandom.chance(0.25),
        legalHold: draft.kind !== 'root' && groupRandom.chance(0.03),
      });
    }
    this.totalObjects = options.objects;
  }

  /** The key of object `index` of a group (cheap: for the access-log and lifecycle passes). */
  keyOf(group: Group, index: number): string {
    const name = objectName(group, index, new Random(this.options.seed, 0x3c6e, group.index, index));
    return group.prefix === '' ? name : `${group.prefix}/${name}`;
  }

  /** Everything about one object, derived from (seed, group, index) alone. */
  objectAt(group: Group, index: number): EstateObject {
    const random = new Random(this.options.seed, 0x3c6e, group.index, index);
    const name = objectName(group, index, random);
    const key = group.prefix === '' ? name : `${group.prefix}/${name}`;
    const folder = name.endsWith('/');
    const asOfMs = (this.options.asOfDay + 1) * DAY_MS - 1;
    const lastModified = Math.min(group.day * DAY_MS + random.int(DAY_MS), asOfMs);
    const ageDays = this.options.asOfDay - group.day;

    const current = this.version(random, group, folder, lastModified, ageDays);
    const versions: ObjectVersion[] = [current];
    if (group.versioned && !folder) {
      const older = random.chance(0.35) ? 1 + random.int(2) : 0;
      let t = lastModified;
      for (let v = 0; v < older; v++) {
        t -= DAY_MS * (1 + random.int(60));
        versions.push({ ...this.version(random, group, false, t, ageDays), isLatest: false });
      }
      if (random.chance(0.06)) {
        // Deleted by a user at some point: a delete marker is the current version.
        const marker: ObjectVersion = {
          ...current,
          versionId: versionId(random),
          isDeleteMarker: true,
          size: 0,
          etag: '',
          lastModified: Math.min(lastModified + DAY_MS * (1 + random.int(30)), asOfMs),
          multipart: false,
          intelligentTieringTier: '',
          lockMode: '',
          lockRetainUntil: 0,
          legalHold: false,
        };
        current.isLatest = false;
        versions.unshift(marker);
      }
    }
    return { group, index, key, versions };
  }

  private version(random: Random, group: Group, folder: boolean, lastModified: number, ageDays: number): ObjectVersion {
    const size = folder ? 0 : Math.max(1, Math.round(random.logNormal(SIZE_MEDIAN[group.kind], 1.1)));
    const storageClass = folder ? 'STANDARD' : pickStorageClass(random, group.kind, ageDays);
    const multipart = size > 16 * 1024 * 1024;
    let lockMode: ObjectVersion['lockMode'] = '';
    let lockRetainUntil = 0;
    const lockDraw = random.next();
    if (lockDraw < 0.003) {
      lockMode = 'COMPLIANCE';
      lockRetainUntil = (this.options.asOfDay + 365 + random.int(730)) * DAY_MS;
    } else if (lockDraw < 0.006) {
      // A retention that has already ended: no longer protects the object.
      lockMode = 'GOVERNANCE';
      lockRetainUntil = (this.options.asOfDay - 1 - random.int(300)) * DAY_MS;
    }
    return {
      versionId: group.versioned ? versionId(random) : '',
      isLatest: true,
      isDeleteMarker: false,
      size,
      lastModified,
      etag: multipart ? `${random.hex(16)}-${2 + Math.floor(size / (16 * 1024 * 1024))}` : random.hex(16),
      storageClass,
      multipart,
      intelligentTieringTier:
        storageClass === 'INTELLIGENT_TIERING' ? (ageDays > 90 ? 'ARCHIVE_INSTANT_ACCESS' : ageDays > 30 ? 'INFREQUENT_ACCESS' : 'FREQUENT_ACCESS') : '',
      lockMode,
      lockRetainUntil,
      legalHold: group.legalHold,
    };
  }
}

const SIZE_MEDIAN: Record<GroupKind, number> = {
  tenant: 4_000,
  logs: 180_000,
  images: 900_000,
  warehouse: 24_000_000,
  deep: 60_000,
  odd: 12_000,
  root: 2_000,
};

function pickStorageClass(random: Random, kind: GroupKind, ageDays: number): StorageClass {
  if (kind === 'warehouse') return random.chance(0.5) ? 'INTELLIGENT_TIERING' : 'STANDARD';
  if (ageDays > 365) return random.weighted(STORAGE_CLASSES, [2, 4, 3, 1]);
  if (ageDays > 30) return random.weighted(STORAGE_CLASSES, [5, 3, 1, 1]);
  return random.weighted(STORAGE_CLASSES, [9, 0, 0, 1]);
}

const VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';

/** A version id shaped like S3's: 32 characters of a URL-safe alphabet. */
export function versionId(random: Random): string {
  return random.chars(VERSION_ALPHABET, 32);
}

function objectName(group: Group, index: number, random: Random): string {
  switch (group.kind) {
    case 'tenant':
      return index === 0 && group.objects > 3 ? 'attachments/' : `${random.uuid()}.json`;
    case 'logs':
      return `${pad(index % 24, 2)}${pad((index * 7) % 60, 2)}-${random.hex(4)}-${index}.log.gz`;
    case 'images':
      return index % 5 === 4 ? `photo (${index}).png` : `IMG_${pad(index, 4)}.jpg`;
    case 'warehouse':
      return index === group.objects - 1 && index > 0 ? '_SUCCESS' : `part-${pad(index, 5)}-${random.hex(4)}.snappy.parquet`;
    case 'deep':
      return `chunk-${index}.bin`;
    case 'odd':
      return [
        `${index} a+b=c.txt`,
        `100% done ${index}.csv`,
        `naïve façade ${index}.md`,
        `emoji 🚀 ${index}.json`,
        `tab\tand space ${index}`,
        `q?x=${index}&y=2`,
      ][index % 6]!;
    case 'root':
      return ['README.md', 'index.html', 'robots.txt', 'favicon.ico', 'CHANGELOG.md'][index] ?? `file-${index}.txt`;
  }
}

/** A stable identifier of the estate's AWS account, derived from the seed. */
export function accountIdFor(seed: number): string {
  return String(100000000000 + (hash32(seed, 0xacc7) % 899999999999)).slice(0, 12);
}
