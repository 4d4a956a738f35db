import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatAge, formatBytes } from '../../src/core/format';
import { PagedLevel } from '../../src/core/pagedLevel';

describe('PagedLevel (one tree level while paging)', () => {
  it('keeps pages in order and the token that continues the listing', () => {
    const level = new PagedLevel<number>(100);
    assert.equal(level.pages, 0);
    level.append([1, 2, 3], 'token-1');
    level.append([4, 5], undefined);
    assert.deepEqual(level.items, [1, 2, 3, 4, 5]);
    assert.equal(level.pages, 2);
    assert.equal(level.hasMore, false);
    assert.equal(level.dropped, 0);
  });

  it('lets the earliest items go past its cap, so memory stays flat however far one pages', () => {
    const level = new PagedLevel<number>(2500);
    for (let page = 0; page < 100; page++)
      level.append(
        Array.from({ length: 1000 }, (_, i) => page * 1000 + i),
        `t${page}`,
      );
    assert.equal(level.items.length, 2500);
    assert.equal(level.dropped, 97_500);
    assert.equal(level.items[0], 97_500);
    assert.equal(level.items.at(-1), 99_999);
    assert.ok(level.hasMore);
  });
});

describe('sizes and ages for people', () => {
  it('formats sizes in binary units', () => {
    assert.equal(formatBytes(0, 'en'), '0 B');
    assert.equal(formatBytes(1023, 'en'), '1,023 B');
    assert.equal(formatBytes(1536, 'en'), '1.5 KiB');
    assert.equal(formatBytes(24 * 1024 * 1024, 'en'), '24 MiB');
    assert.equal(formatBytes(5.5 * 1024 ** 4, 'en'), '5.5 TiB');
  });

  it('formats ages from just now to years', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(formatAge(new Date('2025-12-31T23:59:30Z'), now), 'just now');
    assert.equal(formatAge(new Date('2025-12-31T23:15:00Z'), now), '45 min');
    assert.equal(formatAge(new Date('2025-12-31T03:00:00Z'), now), '21 h');
    assert.equal(formatAge(new Date('2025-12-30T00:00:00Z'), now), '2 days');
    assert.equal(formatAge(new Date('2023-07-01T00:00:00Z'), now), '2.5 years');
  });
});
