// The head of the unused-prefix list: what the report is about (bucket, window, log coverage,
// exemptions, prices, notes) and the totals of the shown and the selected prefixes.

import { formatBytes, formatCount, formatUsd } from '../src/core/format';
import type { PanelStrings, RetentionReport, RetentionTotals } from '../src/panelProtocol';
import { formatString } from '../src/webviewKit/strings';
import { element } from './kit/dom';

/** At most this many missing days are named; the rest are counted. */
const MISSING_DAYS_SHOWN = 10;

export function renderReportSummary(report: RetentionReport, strings: PanelStrings, locale: string): HTMLElement[] {
  const { coverage } = report;
  const daysList = (days: string[]) =>
    days.slice(0, MISSING_DAYS_SHOWN).join(', ') + (days.length > MISSING_DAYS_SHOWN ? ` … (+${days.length - MISSING_DAYS_SHOWN})` : '');
  const coverageText = [
    formatString(strings.coverageValue, coverage.daysWithLogs, coverage.days),
    coverage.missingDays.length > 0 && formatString(strings.coverageMissing, daysList(coverage.missingDays)),
    coverage.suspectDays.length > 0 && formatString(strings.coverageSuspect, daysList(coverage.suspectDays)),
    coverage.malformed.lines > 0 &&
      formatString(strings.coverageMalformed, formatCount(coverage.malformed.lines, locale), formatCount(coverage.malformed.withKey, locale)),
  ]
    .filter((part) => part !== false)
    .join(' — ');
  const busiest = Math.max(1, ...Object.values(coverage.linesPerDay));
  const exemptions = [...report.exemptions.globs];
  if (report.exemptions.keepTag !== null) exemptions.push(formatString(strings.exemptionsKeepTag, report.exemptions.keepTag));
  const prices = Object.entries(report.prices.perGbMonth)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([storageClass, price]) => formatString(strings.pricePerGbMonth, storageClass, formatUsd(price, locale)));

  const summary = element('dl', { class: 'summary retention-summary', id: 'retention-summary' }, [
    element('dt', {}, [strings.bucketLabel]),
    element('dd', { id: 'retention-bucket' }, [report.bucket === '' ? strings.everyBucket : report.bucket]),
    element('dt', {}, [strings.windowLabel]),
    element('dd', { id: 'retention-window', title: `${report.window.start} – ${report.window.asOf} (UTC)` }, [
      formatString(strings.windowValue, report.window.days, report.window.asOf),
    ]),
    element('dt', {}, [strings.coverageLabel]),
    element(
      'dd',
      {
        id: 'retention-coverage',
        class: coverage.overridden ? 'coverage overridden' : coverage.daysWithLogs < coverage.days ? 'coverage incomplete' : 'coverage',
      },
      [coverageText],
    ),
    element('dt', {}, [strings.exemptionsLabel]),
    element('dd', { id: 'retention-exemptions' }, [exemptions.length > 0 ? exemptions.join(', ') : strings.exemptionsNone]),
    element('dt', {}, [strings.pricesLabel]),
    element('dd', { id: 'retention-prices', title: prices.join('\n') }, [
      formatString(strings.pricesValue, report.prices.region, report.prices.source),
      prices.length > 0 && element('span', { class: 'prices-list' }, [` — ${prices.join(' · ')}`]),
    ]),
  ]);
  const parts: HTMLElement[] = [summary];
  if (coverage.overridden) parts.push(element('p', { class: 'warning', id: 'coverage-overridden' }, [strings.coverageOverridden]));
  if (coverage.malformed.overridden) parts.push(element('p', { class: 'warning', id: 'malformed-overridden' }, [strings.malformedOverridden]));
  // Lines per day: a day far below the others is a day whose delivery may have failed.
  parts.push(
    element('details', { class: 'lines-per-day', id: 'lines-per-day' }, [
      element('summary', {}, [strings.linesPerDayHeading]),
      element(
        'table',
        {},
        Object.entries(coverage.linesPerDay).map(([day, lines]) =>
          element('tr', { 'data-day': day, class: coverage.missingDays.includes(day) ? 'missing' : coverage.suspectDays.includes(day) ? 'suspect' : '' }, [
            element('th', { scope: 'row' }, [day]),
            element('td', { class: 'num' }, [formatCount(lines, locale)]),
            element('td', {}, [
              element('meter', {
                min: '0',
                max: String(busiest),
                value: String(lines),
                'aria-label': formatString(strings.linesPerDayValue, formatCount(lines, locale)),
              }),
            ]),
          ]),
        ),
      ),
    ]),
  );
  if (report.notes.length > 0) {
    parts.push(
      element('details', { class: 'notes' }, [
        element('summary', {}, [`${strings.notesHeading} (${report.notes.length})`]),
        element(
          'ul',
          {},
          report.notes.map((note) => element('li', {}, [note])),
        ),
      ]),
    );
  }
  return parts;
}

/** The totals table: a row for the shown prefixes and one for the selected ones; cells are updated in place. */
export class TotalsTable {
  readonly element: HTMLTableElement;
  private readonly cells: Record<'shown' | 'selected', HTMLTableCellElement[]>;

  constructor(strings: PanelStrings) {
    const columns = [
      ['prefixes', strings.prefixesColumn],
      ['objects', strings.objectsColumn],
      ['bytes', strings.bytesColumn],
      ['monthlySavingsUsd', strings.savingsColumn],
    ] as const;
    // Spaces between the cells (a table ignores them) keep the numbers apart in its textContent.
    const spaced = (cells: HTMLElement[]) => cells.flatMap((cell) => [cell, ' ']);
    const row = (kind: 'shown' | 'selected', label: string) => {
      const cells = columns.map(([total]) => element('td', { class: 'num', 'data-total': total }));
      return { row: element('tr', { 'data-totals': kind }, spaced([element('th', { scope: 'row' }, [label]), ...cells])), cells };
    };
    const shown = row('shown', strings.totalsShown);
    const selected = row('selected', strings.totalsSelected);
    this.cells = { shown: shown.cells, selected: selected.cells };
    this.element = element('table', { id: 'retention-totals', class: 'totals' }, [
      element('thead', {}, [
        element('tr', {}, spaced([element('td', {}), ...columns.map(([, title]) => element('th', { scope: 'col', class: 'num' }, [title]))])),
      ]),
      element('tbody', {}, [shown.row, selected.row]),
    ]);
  }

  update(kind: 'shown' | 'selected', totals: RetentionTotals, locale: string): void {
    const [prefixes, objects, bytes, savings] = this.cells[kind] as [HTMLTableCellElement, HTMLTableCellElement, HTMLTableCellElement, HTMLTableCellElement];
    prefixes.textContent = formatCount(totals.prefixes, locale);
    objects.textContent = formatCount(totals.objects, locale);
    bytes.textContent = formatBytes(totals.bytes, locale);
    bytes.title = `${formatCount(totals.bytes, locale)} B`;
    savings.textContent = formatUsd(totals.monthlySavingsUsd, locale);
  }
}
