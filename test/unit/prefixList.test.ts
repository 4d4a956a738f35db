import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  PREFIX_SORT_KEYS,
  filterPrefixes,
  nextSort,
  selectRange,
  selectedVisible,
  selectionState,
  sortPrefixes,
  storageClassesOf,
  tagTargets,
  toggleAllVisible,
  totalsOf,
  visiblePrefixes,
  withSelected,
  type PrefixSortKey,
} from '../../src/core/retention/prefixListModel';
import { formatBytes, formatCount, formatUsd } from '../../src/core/format';
import type { UnusedPrefix } from '../../src/core/retention/report';
import { Random } from '../../src/core/random';

function row(prefix: string, fields: Partial<UnusedPrefix> = {}): UnusedPrefix {
  const storageClasses = fields.storageClasses ?? ['STANDARD'];
  const bytes = fields.bytes ?? 100;
  return {
    prefix,
    objects: 1,
    bytes,
    storageClasses,
    bytesByStorageClass: Object.fromEntries(storageClasses.map((c) => [c, bytes / storageClasses.length])),
    newestLastModified: '2024-01-01T00:00:00.000Z',
    lastAccess: null,
    monthlySavingsUsd: 0.01,
    ...fields,
  };
}

const prefixes = (rows: readonly UnusedPrefix[]) => rows.map((r) => r.prefix);

// Every column has a tie between b and d, so the tie-break by prefix shows in both directions.
const rows: UnusedPrefix[] = [
  row('d', {
    objects: 5,
    bytes: 300,
    storageClasses: ['GLACIER'],
    lastAccess: '2025-03-01T00:00:00.000Z',
    newestLastModified: '2024-05-01T00:00:00.000Z',
    monthlySavingsUsd: 2,
  }),
  row('a', { objects: 1, bytes: 100, storageClasses: ['STANDARD'], lastAccess: null, newestLastModified: '2024-01-01T00:00:00.000Z', monthlySavingsUsd: 1 }),
  row('c', {
    objects: 9,
    bytes: 900,
    storageClasses: ['DEEP_ARCHIVE', 'STANDARD'],
    lastAccess: '2025-06-01T00:00:00.000Z',
    newestLastModified: '2024-09-01T00:00:00.000Z',
    monthlySavingsUsd: 9,
  }),
  row('b', {
    objects: 5,
    bytes: 300,
    storageClasses: ['GLACIER'],
    lastAccess: '2025-03-01T00:00:00.000Z',
    newestLastModified: '2024-05-01T00:00:00.000Z',
    monthlySavingsUsd: 2,
  }),
];

describe('sorting the unused prefixes', () => {
  const expected: Record<PrefixSortKey, { ascending: string[]; descending: string[] }> = {
    prefix: { ascending: ['a', 'b', 'c', 'd'], descending: ['d', 'c', 'b', 'a'] },
    objects: { ascending: ['a', 'b', 'd', 'c'], descending: ['c', 'b', 'd', 'a'] },
    bytes: { ascending: ['a', 'b', 'd', 'c'], descending: ['c', 'b', 'd', 'a'] },
    storageClasses: { ascending: ['c', 'b', 'd', 'a'], descending: ['a', 'b', 'd', 'c'] },
    lastAccess: { ascending: ['a', 'b', 'd', 'c'], descending: ['c', 'b', 'd', 'a'] },
    newestLastModified: { ascending: ['a', 'b', 'd', 'c'], descending: ['c', 'b', 'd', 'a'] },
    monthlySavingsUsd: { ascending: ['a', 'b', 'd', 'c'], descending: ['c', 'b', 'd', 'a'] },
  };

  for (const key of PREFIX_SORT_KEYS) {
    it(`sorts by ${key} both ways, breaking ties by prefix A→Z`, () => {
      assert.deepEqual(prefixes(sortPrefixes(rows, { key, direction: 'ascending' })), expected[key].ascending);
      assert.deepEqual(prefixes(sortPrefixes(rows, { key, direction: 'descending' })), expected[key].descending);
    });
  }

  it('puts prefixes never read before every read one (oldest first)', () => {
    const sorted = sortPrefixes([row('x', { lastAccess: '2020-01-01T00:00:00.000Z' }), row('y', { lastAccess: null })], {
      key: 'lastAccess',
      direction: 'ascending',
    });
    assert.deepEqual(prefixes(sorted), ['y', 'x']);
  });

  it('leaves its input alone', () => {
    const input = rows.slice();
    sortPrefixes(input, { key: 'bytes', direction: 'descending' });
    assert.deepEqual(input, rows);
  });

  it('gives the same order whatever order the rows came in', () => {
    const random = new Random(6);
    const many = Array.from({ length: 500 }, (_, i) =>
      row(`p/${random.int(1000)}/${i}`, {
        objects: random.int(5),
        bytes: random.int(3) * 1024,
        monthlySavingsUsd: random.int(4) / 100,
        lastAccess: random.chance(0.3) ? null : `2025-0${1 + random.int(9)}-01T00:00:00.000Z`,
      }),
    );
    for (const key of PREFIX_SORT_KEYS) {
      for (const direction of ['ascending', 'descending'] as const) {
        const shuffled = many.slice().sort(() => random.next() - 0.5);
        assert.deepEqual(prefixes(sortPrefixes(shuffled, { key, direction })), prefixes(sortPrefixes(many, { key, direction })), `${key} ${direction}`);
      }
    }
  });

  it('flips the direction on the same column and starts a new one where a user looks first', () => {
    assert.deepEqual(nextSort({ key: 'bytes', direction: 'descending' }, 'bytes'), { key: 'bytes', direction: 'ascending' });
    assert.deepEqual(nextSort({ key: 'bytes', direction: 'ascending' }, 'bytes'), { key: 'bytes', direction: 'descending' });
    assert.deepEqual(nextSort({ key: 'bytes', direction: 'ascending' }, 'prefix'), { key: 'prefix', direction: 'ascending' });
    assert.deepEqual(nextSort({ key: 'prefix', direction: 'ascending' }, 'monthlySavingsUsd'), { key: 'monthlySavingsUsd', direction: 'descending' });
  });
});

describe('filtering the unused prefixes', () => {
  const list = [row('Logs/2023'), row('logs/2024', { storageClasses: ['GLACIER', 'STANDARD'] }), row('images/raw', { storageClasses: ['GLACIER'] }), row('')];

  it('keeps the prefixes containing the text, ignoring case', () => {
    assert.deepEqual(prefixes(filterPrefixes(list, { text: 'LOGS/', storageClass: null })), ['Logs/2023', 'logs/2024']);
    assert.deepEqual(prefixes(filterPrefixes(list, { text: 'w', storageClass: null })), ['images/raw']);
  });

  it('shows everything for an empty or blank filter, the bucket root included', () => {
    assert.deepEqual(prefixes(filterPrefixes(list, { text: '', storageClass: null })), prefixes(list));
    assert.deepEqual(prefixes(filterPrefixes(list, { text: '  ', storageClass: null })), prefixes(list));
  });

  it('keeps the prefixes holding a storage class, combined with the text', () => {
    assert.deepEqual(prefixes(filterPrefixes(list, { text: '', storageClass: 'GLACIER' })), ['logs/2024', 'images/raw']);
    assert.deepEqual(prefixes(filterPrefixes(list, { text: 'logs', storageClass: 'GLACIER' })), ['logs/2024']);
  });

  it('offers the storage classes present, sorted', () => {
    assert.deepEqual(storageClassesOf(list), ['GLACIER', 'STANDARD']);
  });

  it('filters, then sorts', () => {
    assert.deepEqual(prefixes(visiblePrefixes(list, { text: 'logs', storageClass: null }, { key: 'prefix', direction: 'descending' })), [
      'logs/2024',
      'Logs/2023',
    ]);
  });
});

describe('totals', () => {
  it('adds up the prefixes, objects, bytes and savings of the rows shown', () => {
    const shown = filterPrefixes(rows, { text: '', storageClass: 'GLACIER' });
    assert.deepEqual(totalsOf(shown), { prefixes: 2, objects: 10, bytes: 600, monthlySavingsUsd: 4 });
    assert.deepEqual(totalsOf([]), { prefixes: 0, objects: 0, bytes: 0, monthlySavingsUsd: 0 });
  });

  it('counts only the selected rows the filter shows', () => {
    const shown = filterPrefixes(rows, { text: '', storageClass: 'GLACIER' }); // b and d
    const selected = new Set(['a', 'b']);
    assert.deepEqual(prefixes(selectedVisible(shown, selected)), ['b']);
    assert.deepEqual(totalsOf(selectedVisible(shown, selected)), { prefixes: 1, objects: 5, bytes: 300, monthlySavingsUsd: 2 });
  });
});

describe('selecting prefixes', () => {
  const visible = sortPrefixes(rows, { key: 'prefix', direction: 'ascending' }); // a b c d

  it('selects a range from the anchor with shift, forwards and backwards', () => {
    assert.deepEqual([...selectRange(visible, new Set(['a']), 'a', 'c')].sort(), ['a', 'b', 'c']);
    assert.deepEqual([...selectRange(visible, new Set(['d']), 'd', 'b')].sort(), ['b', 'c', 'd']);
  });

  it('clears a range when the target was selected', () => {
    assert.deepEqual([...selectRange(visible, new Set(['a', 'b', 'c', 'd']), 'a', 'c')], ['d']);
  });

  it('toggles the target alone without a visible anchor', () => {
    assert.deepEqual([...selectRange(visible, new Set(), null, 'b')], ['b']);
    assert.deepEqual([...selectRange(visible.slice(0, 3), new Set(), 'd', 'b')], ['b']);
  });

  it('ranges over the visible order, not the report order', () => {
    const bySavings = sortPrefixes(rows, { key: 'monthlySavingsUsd', direction: 'descending' }); // c b d a
    assert.deepEqual([...selectRange(bySavings, new Set(), 'c', 'd')].sort(), ['b', 'c', 'd']);
  });

  it('does not change the selection it was given', () => {
    const selected = new Set(['a']);
    selectRange(visible, selected, 'a', 'd');
    withSelected(selected, ['b'], true);
    assert.deepEqual([...selected], ['a']);
  });

  it('selects all filtered prefixes from the header, and clears them when all were selected', () => {
    const shown = visible.filter((r) => r.prefix !== 'a');
    const all = toggleAllVisible(shown, new Set(['a', 'c']));
    assert.deepEqual([...all].sort(), ['a', 'b', 'c', 'd']);
    // The prefix hidden by the filter keeps its tick: clearing the filter brings it back.
    assert.deepEqual([...toggleAllVisible(shown, all)], ['a']);
  });

  it('shows none, some or all in the header checkbox', () => {
    assert.equal(selectionState(visible, new Set()), 'none');
    assert.equal(selectionState(visible, new Set(['x'])), 'none');
    assert.equal(selectionState(visible, new Set(['a'])), 'some');
    assert.equal(selectionState(visible, new Set(['a', 'b', 'c', 'd'])), 'all');
    assert.equal(selectionState([], new Set(['a'])), 'none');
  });

  it('tags the selected visible prefixes that are not tagged or being tagged', () => {
    const settled = new Set(['b']);
    assert.deepEqual(
      tagTargets(visible.slice(0, 3), new Set(['a', 'b', 'd']), (p) => settled.has(p)),
      ['a'],
    );
  });
});

describe('formatting', () => {
  it('writes sizes in binary units', () => {
    assert.equal(formatBytes(0, 'en'), '0 B');
    assert.equal(formatBytes(1023, 'en'), '1,023 B');
    assert.equal(formatBytes(1536, 'en'), '1.5 KiB');
    assert.equal(formatBytes(1.5 * 2 ** 30, 'en'), '1.5 GiB');
    assert.equal(formatBytes(123.4 * 2 ** 40, 'en'), '123 TiB');
  });

  it('writes dollars, keeping small savings visible', () => {
    assert.equal(formatUsd(1234.5, 'en-US'), '$1,234.50');
    assert.equal(formatUsd(0.0023, 'en-US'), '$0.0023');
    assert.equal(formatUsd(0, 'en-US'), '$0.00');
    // Request costs: under a cent, two significant digits rather than $0.0000.
    assert.equal(formatUsd(0.000048, 'en-US'), '$0.000048');
    assert.equal(formatUsd(0.0000123, 'en-US'), '$0.000012');
  });

  it("writes counts with the locale's grouping", () => {
    assert.equal(formatCount(1234567, 'en-US'), '1,234,567');
    assert.equal(formatCount(1234567, 'de-DE'), '1.234.567');
  });

  it('survives a locale tag the runtime does not know', () => {
    assert.equal(formatBytes(2048, 'not a locale!'), '2 KiB');
  });
});
