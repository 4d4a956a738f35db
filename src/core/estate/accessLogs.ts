// The server access logs of the window: reads by how hot each prefix is, uploads of young
// objects, listings, denied and missing reads, lifecycle transitions and a batch job's deletes.
// A day is first planned as compact numbers, sorted by time, then formatted and delivered hour by
// hour, so memory holds a day's plan and a few hours of lines whatever the estate's size.

import { formatAccessLogLine, objectPath, type AccessLogRecord } from '../accessLog/format';
import { Random } from '../random';
import type { LogDelivery } from './logFiles';
import type { LogRecordFactory } from './logRecords';
import { accountIdFor, type EstatePlan, type Group } from './plan';
import { DAY_MS, formatDay, HOUR_MS } from '../time';

const enum Kind {
  Read,
  Put,
  Listing,
  Denied,
  Missing,
  Transition,
  JobPut,
  JobBatch,
  JobDelete,
}

/** How late a line may arrive, in hours. */
const MAX_DELAY_HOURS = 7;

export interface WindowLogStats {
  dropped: number;
  duplicated: number;
  late: number;
}

export interface WindowLogContext {
  plan: EstatePlan;
  seed: number;
  bucket: string;
  records: LogRecordFactory;
  delivery: LogDelivery;
  /** Called for every delivered read that counts as use of the data. */
  onCountedRead(group: number, time: number): void;
  onDay?(done: number, total: number): void;
}

class DayPlan {
  readonly times: number[] = [];
  readonly kinds: Kind[] = [];
  readonly groups: number[] = [];
  readonly indexes: number[] = [];
  readonly extras: number[] = [];
  add(time: number, kind: Kind, group: number, index: number, extra = 0): void {
    this.times.push(time);
    this.kinds.push(kind);
    this.groups.push(group);
    this.indexes.push(index);
    this.extras.push(extra);
  }
  get length(): number {
    return this.times.length;
  }
}

export async function writeWindowLogs(ctx: WindowLogContext): Promise<WindowLogStats> {
  const { plan } = ctx;
  const stats: WindowLogStats = { dropped: 0, duplicated: 0, late: 0 };
  const deliveryRandom = new Random(ctx.seed, 0xde11);
  for (let day = plan.windowStartDay; day <= plan.options.asOfDay; day++) {
    const { dayPlan, jobKeys } = planDay(ctx, day);
    const order = Array.from({ length: dayPlan.length }, (_, i) => i).sort((a, b) => dayPlan.times[a]! - dayPlan.times[b]! || a - b);
    let lastHour = -1;
    for (const i of order) {
      const time = dayPlan.times[i]!;
      const hour = Math.floor(time / HOUR_MS);
      if (hour !== lastHour) {
        // Lines are only ever delivered late, never early: every delivery hour before this
        // event's hour is complete.
        lastHour = hour;
        await ctx.delivery.flushBefore(hour);
      }
      const event = formatEvent(ctx, day, i, dayPlan, jobKeys);
      if (!event) continue;
      const line = formatAccessLogLine(event.record);
      const draw = deliveryRandom.next();
      if (draw < 0.002) {
        stats.dropped++;
        continue; // best-effort delivery: this line never arrives
      }
      let deliveryHour = hour;
      if (draw < 0.007) {
        deliveryHour = hour + 1 + deliveryRandom.int(MAX_DELAY_HOURS - 1);
        stats.late++;
      }
      if (event.counted) ctx.onCountedRead(dayPlan.groups[i]!, time);
      ctx.delivery.add({ time, deliveryHour, line });
      if (draw >= 0.007 && draw < 0.009) {
        stats.duplicated++;
        ctx.delivery.add({ time, deliveryHour: hour + 1 + deliveryRandom.int(3), line });
      }
    }
    ctx.onDay?.(day - plan.windowStartDay + 1, plan.options.days);
  }
  await ctx.delivery.flushBefore();
  return stats;
}

function readsOn(group: Group, day: number, random: Random): number {
  switch (group.access) {
    case 'hot':
      return 1 + random.poisson(2);
    case 'warm':
      return random.chance(0.25) ? 1 + random.poisson(0.5) : 0;
    case 'once':
      return Math.max(group.onceDay, group.day) === day ? 1 : 0;
    case 'never':
      return 0;
  }
}

function planDay(ctx: WindowLogContext, day: number): { dayPlan: DayPlan; jobKeys: string[] } {
  const { plan } = ctx;
  const random = new Random(ctx.seed, 0xa11, day);
  const dayStart = day * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const dayPlan = new DayPlan();

  for (const group of plan.groups) {
    if (day < group.day) continue; // not written yet
    const young = group.day === day;
    const reads = readsOn(group, day, random);
    for (let r = 0; r < reads; r++) {
      const j = random.int(group.objects);
      let time = dayStart + random.int(DAY_MS);
      if (young) {
        // Nobody reads an object before it is written.
        const written = plan.objectAt(group, j).versions.at(-1)!.lastModified;
        if (time < written) time = written + 1000 + random.int(HOUR_MS);
        if (time >= dayEnd) continue;
      }
      dayPlan.add(time, Kind.Read, group.index, j);
    }
    if (young) {
      for (let j = 0; j < group.objects; j++) {
        plan.objectAt(group, j).versions.forEach((v, vi) => {
          if (v.lastModified >= dayStart && v.lastModified < dayEnd) dayPlan.add(v.lastModified, Kind.Put, group.index, j, vi);
        });
      }
    }
  }

  const groups = plan.groups;
  const noise = Math.max(2, Math.round(groups.length / 400));
  for (let n = 0; n < noise; n++) {
    const group = groups[random.int(groups.length)]!;
    dayPlan.add(dayStart + random.int(DAY_MS), Kind.Listing, group.index, 0);
    if (group.access === 'never' && day > group.day) {
      dayPlan.add(dayStart + random.int(DAY_MS), Kind.Denied, group.index, random.int(group.objects));
      dayPlan.add(dayStart + random.int(DAY_MS), Kind.Missing, group.index, 0, random.nextUint32());
    }
    if (day >= group.day + 30) dayPlan.add(dayStart + random.int(DAY_MS), Kind.Transition, group.index, random.int(group.objects));
  }

  // A batch job's scratch files: written, then removed with one multi-object delete an hour later.
  const jobStart = dayStart + random.int(DAY_MS - 2 * HOUR_MS);
  const jobId = random.hex(3);
  const jobKeys = Array.from({ length: 2 + random.int(4) }, (_, i) => `tmp/job-${formatDay(day).replace(/-/g, '')}-${jobId}/part-${i}.tmp`);
  jobKeys.forEach((_, i) => dayPlan.add(jobStart + i * 1000, Kind.JobPut, -1, i));
  dayPlan.add(jobStart + HOUR_MS, Kind.JobBatch, -1, 0);
  jobKeys.forEach((_, i) => dayPlan.add(jobStart + HOUR_MS, Kind.JobDelete, -1, i));
  return { dayPlan, jobKeys };
}

/** The record of planned event `i`, drawing its details from the event's own random stream. */
function formatEvent(
  ctx: WindowLogContext,
  day: number,
  i: number,
  dayPlan: DayPlan,
  jobKeys: string[],
): { record: AccessLogRecord; counted: boolean } | undefined {
  const { plan, records, bucket } = ctx;
  const random = new Random(ctx.seed, 0xe7, day, i);
  const time = dayPlan.times[i]!;
  const group = plan.groups[dayPlan.groups[i]!];
  const j = dayPlan.indexes[i]!;
  switch (dayPlan.kinds[i]!) {
    case Kind.Read: {
      const object = plan.objectAt(group!, j);
      const current = object.versions[0]!;
      const path = objectPath(bucket, object.key);
      if (current.isDeleteMarker || object.key.endsWith('/')) {
        // Reading a deleted key (or a folder marker by mistake): 404, not use of the data.
        return {
          counted: false,
          record: records.client(time, random, {
            operation: 'REST.GET.OBJECT',
            key: object.key,
            request: `GET ${path}`,
            httpStatus: 404,
            errorCode: 'NoSuchKey',
            bytesSent: 243,
          }),
        };
      }
      const size = current.size;
      const kind = random.weighted(['get', 'range', 'notModified', 'head', 'copy', 'partCopy', 'website'] as const, [58, 10, 5, 18, 4, 2, 3]);
      const byVersion = group!.versioned && random.chance(0.1);
      switch (kind) {
        case 'get':
          return {
            counted: true,
            record: records.client(time, random, {
              operation: 'REST.GET.OBJECT',
              key: object.key,
              request: `GET ${path}${byVersion ? `?versionId=${current.versionId}` : ''}`,
              bytesSent: size,
              objectSize: size,
              versionId: byVersion ? current.versionId : null,
            }),
          };
        case 'range':
          return {
            counted: true,
            record: records.client(time, random, {
              operation: 'REST.GET.OBJECT',
              key: object.key,
              request: `GET ${path}`,
              httpStatus: 206,
              bytesSent: Math.min(size, 1 + random.int(1 << 20)),
              objectSize: size,
            }),
          };
        case 'notModified':
          return {
            counted: true,
            record: records.client(time, random, { operation: 'REST.GET.OBJECT', key: object.key, request: `GET ${path}`, httpStatus: 304, objectSize: size }),
          };
        case 'head':
          return {
            counted: true,
            record: records.client(time, random, { operation: 'REST.HEAD.OBJECT', key: object.key, request: `HEAD ${path}`, objectSize: size }),
          };
        case 'copy':
          return {
            counted: true,
            record: records.client(time, random, {
              operation: 'REST.COPY.OBJECT_GET',
              key: object.key,
              request: `PUT /${bucket}-replica${path.slice(bucket.length + 1)}`,
              objectSize: size,
            }),
          };
        case 'partCopy':
          // The source side of UploadPartCopy (a large object copied in parts); the URI is the destination's part.
          return {
            counted: true,
            record: records.client(time, random, {
              operation: 'REST.COPY.PART_GET',
              key: object.key,
              request: `PUT /${bucket}-replica${path.slice(bucket.length + 1)}?partNumber=1&uploadId=${random.hex(24)}`,
              objectSize: size,
            }),
          };
        case 'website':
          // Through the static-website endpoint: anonymous, no signature or TLS (as a real WEBSITE.GET.OBJECT line shows), the key in the path.
          return { counted: true, record: records.website(time, random, object.key, size) };
      }
      return undefined;
    }
    case Kind.Put: {
      const object = plan.objectAt(group!, j);
      const v = object.versions[dayPlan.extras[i]!]!;
      const path = objectPath(bucket, object.key);
      return {
        counted: false,
        record: v.isDeleteMarker
          ? records.client(time, random, {
              operation: 'REST.DELETE.OBJECT',
              key: object.key,
              request: `DELETE ${path}`,
              httpStatus: 204,
              versionId: v.versionId,
            })
          : records.client(time, random, {
              operation: 'REST.PUT.OBJECT',
              key: object.key,
              request: `PUT ${path}`,
              objectSize: v.size,
              versionId: v.versionId || null,
            }),
      };
    }
    case Kind.Listing: {
      // Listing is browsing, not reading.
      const listPrefix = group!.prefix === '' ? '' : `${group!.prefix}/`;
      return {
        counted: false,
        record: records.client(time, random, {
          operation: 'REST.GET.BUCKET',
          key: null,
          request: `GET /${bucket}?list-type=2&prefix=${encodeURIComponent(listPrefix)}&delimiter=%2F`,
          bytesSent: 1200 + random.int(40000),
        }),
      };
    }
    case Kind.Denied: {
      const key = plan.keyOf(group!, j);
      return {
        counted: false,
        record: records.client(time, random, {
          operation: 'REST.GET.OBJECT',
          key,
          request: `GET ${objectPath(bucket, key)}`,
          httpStatus: 403,
          errorCode: 'AccessDenied',
          bytesSent: 243,
          requester: `arn:aws:iam::${accountIdFor(ctx.seed + 1)}:user/intruder`,
        }),
      };
    }
    case Kind.Missing: {
      const key = `${group!.prefix === '' ? '' : `${group!.prefix}/`}missing-${dayPlan.extras[i]!.toString(16)}.json`;
      return {
        counted: false,
        record: records.client(time, random, {
          operation: 'REST.HEAD.OBJECT',
          key,
          request: `HEAD ${objectPath(bucket, key)}`,
          httpStatus: 404,
          errorCode: 'NoSuchKey',
        }),
      };
    }
    case Kind.Transition: {
      // The bucket owner's lifecycle moving old data to a colder class: S3's own work.
      const object = plan.objectAt(group!, j);
      const current = object.versions[0]!;
      if (current.isDeleteMarker) return undefined;
      return {
        counted: false,
        record: { ...records.internal(time, random, 'S3.TRANSITION_SIA.OBJECT', object.key), objectSize: current.size, versionId: current.versionId || null },
      };
    }
    case Kind.JobPut: {
      const key = jobKeys[j]!;
      return {
        counted: false,
        record: records.client(time, random, {
          operation: 'REST.PUT.OBJECT',
          key,
          request: `PUT ${objectPath(bucket, key)}`,
          objectSize: 1000 + random.int(100000),
        }),
      };
    }
    case Kind.JobBatch:
      return {
        counted: false,
        record: records.client(time, new Random(ctx.seed, 0xba7c, day), {
          operation: 'REST.POST.MULTI_OBJECT_DELETE',
          key: null,
          request: `POST /${bucket}?delete`,
          bytesSent: 400,
        }),
      };
    case Kind.JobDelete: {
      // Each key of a multi-object delete is logged under the batch request's id.
      const batch = records.client(time, new Random(ctx.seed, 0xba7c, day), { operation: 'REST.POST.MULTI_OBJECT_DELETE', key: null });
      return { counted: false, record: { ...batch, operation: 'BATCH.DELETE.OBJECT', key: jobKeys[j]!, request: null, httpStatus: 204, bytesSent: null } };
    }
  }
}
