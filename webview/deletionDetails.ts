// Beside the deletion player's image: the legend with each state's count in the frame shown, the
// partitions S3 deletes as units with their progress, the estimated end, and the anomalies.

import { formatCount, formatDecimal } from '../src/core/format';
import { STATE_NAMES, type StateName } from '../src/core/deletion/model';
import type { AnomalyView, PanelStrings, PartitionView, PhaseKind, ProgressView } from '../src/panelProtocol';
import { formatString } from '../src/webviewKit/strings';
import { element, replaceChildren } from './kit/dom';

export function stateLabel(strings: PanelStrings, state: StateName): string {
  switch (state) {
    case 'present':
      return strings.statePresent;
    case 'transitioned':
      return strings.stateTransitioned;
    case 'deleteMarked':
      return strings.stateDeleteMarked;
    case 'noncurrentExpired':
      return strings.stateNoncurrentExpired;
    case 'gone':
      return strings.stateGone;
  }
}

function phaseLabel(strings: PanelStrings, kind: PhaseKind): string {
  switch (kind) {
    case 'delete_marker':
      return strings.phaseDeleteMarker;
    case 'expire_version':
      return strings.phaseExpireVersion;
    case 'expire_marker':
      return strings.phaseExpireMarker;
    case 'expire_object':
      return strings.phaseExpireObject;
  }
}

/** A time as the player shows it: the locale's date (and time, finer than a day), in UTC. */
export function timeFormatter(locale: string, withTime: boolean): (ms: number) => string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', ...(withTime ? { timeStyle: 'short' } : {}), timeZone: 'UTC' });
  return (ms) => `${format.format(new Date(ms))} UTC`;
}

const percent = (done: number, total: number, locale: string) => formatDecimal(total > 0 ? (100 * done) / total : 100, 1, locale);

/** The legend: a row per state with its colour, its objects in the frame shown and their share. */
export class StateLegend {
  readonly element: HTMLTableElement;
  private readonly countCells: HTMLElement[] = [];
  private readonly shareCells: HTMLElement[] = [];

  constructor(strings: PanelStrings, colours: string[]) {
    const rows = STATE_NAMES.map((state, s) => {
      const swatch = element('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = colours[s] ?? 'transparent';
      const count = element('td', { class: 'num count' }, ['—']);
      const share = element('td', { class: 'num share' }, ['']);
      this.countCells.push(count);
      this.shareCells.push(share);
      return element('tr', { 'data-state': state }, [element('th', { scope: 'row' }, [swatch, stateLabel(strings, state)]), count, share]);
    });
    this.element = element('table', { id: 'deletion-legend', class: 'deletion-legend' }, [
      element('caption', { class: 'visually-hidden' }, [strings.deletionLegend]),
      element('thead', {}, [
        element('tr', {}, [
          element('th', { scope: 'col' }, [strings.deletionStateColumn]),
          element('th', { scope: 'col', class: 'num' }, [strings.deletionCountColumn]),
          element('th', { scope: 'col', class: 'num' }, [strings.deletionShareColumn]),
        ]),
      ]),
      element('tbody', {}, rows),
    ]);
  }

  update(counts: number[] | undefined, locale: string): void {
    const total = counts ? counts.reduce((a, b) => a + b, 0) : 0;
    STATE_NAMES.forEach((_, s) => {
      const count = counts?.[s];
      this.countCells[s]!.textContent = count === undefined ? '—' : formatCount(count, locale);
      this.shareCells[s]!.textContent = count === undefined ? '' : `${percent(count, total, locale)}%`;
      this.countCells[s]!.dataset.value = count === undefined ? '' : String(count);
    });
  }
}

function renderPartition(partition: PartitionView, strings: PanelStrings, locale: string, formatTime: (ms: number) => string): HTMLElement {
  const done = partition.phases.reduce((n, p) => n + p.done, 0);
  const total = partition.phases.reduce((n, p) => n + p.total, 0);
  const share = percent(done, total, locale);
  const range =
    partition.firstKey !== undefined && partition.lastKey !== undefined
      ? `${partition.firstKey} … ${partition.lastKey}`
      : formatString(
          strings.deletionPartitionObjects,
          formatCount(partition.firstObject, locale),
          formatCount(Math.max(partition.firstObject, partition.endObject - 1), locale),
        );
  const name = formatString(strings.deletionPartition, partition.index + 1);
  const bar = element('progress', {
    max: String(Math.max(1, total)),
    value: String(done),
    'aria-label': `${name}: ${formatString(strings.deletionPartitionDone, share)}`,
  });
  const phases = partition.phases
    .map((phase) =>
      formatString(
        strings.deletionPhaseValue,
        phaseLabel(strings, phase.kind),
        percent(phase.done, phase.total, locale),
        formatCount(Math.round(phase.ratePerHour ?? 0), locale),
      ),
    )
    .join(' · ');
  const end = partition.finished ? strings.deletionPartitionFinished : partition.estimatedEnd !== undefined ? `→ ${formatTime(partition.estimatedEnd)}` : '';
  return element('li', { class: partition.finished ? 'partition finished' : 'partition', 'data-partition': String(partition.index) }, [
    element('div', { class: 'partition-head' }, [
      element('span', { class: 'partition-name' }, [name]),
      element('span', { class: 'partition-keys', title: range }, [range]),
      element('span', { class: 'partition-objects' }, [formatCount(partition.objects, locale)]),
    ]),
    bar,
    element('div', { class: 'partition-detail' }, [formatString(strings.deletionPartitionDone, share), phases && ` · ${phases}`, end && ` · ${end}`]),
  ]);
}

/** The estimated end, the partitions and the notes of the progress (as of the last frame read). */
/** `asOf`: the time of the frame the progress is of (the partitions and the estimate as they were known then). */
export function renderProgress(
  target: HTMLElement,
  progress: ProgressView | undefined,
  asOf: number | undefined,
  strings: PanelStrings,
  locale: string,
  formatTime: (ms: number) => string,
): void {
  if (!progress) {
    replaceChildren(target, []);
    return;
  }
  const end = progress.estimatedEnd;
  const endText = progress.complete
    ? strings.deletionComplete
    : end
      ? formatString(strings.deletionEstimatedEndValue, formatTime(end.time), formatTime(end.low), formatTime(end.high))
      : strings.deletionEndUnknown;
  replaceChildren(target, [
    element('dl', { class: 'summary deletion-end' }, [
      asOf !== undefined && element('dt', {}, [strings.deletionProgressAsOf]),
      asOf !== undefined && element('dd', { id: 'deletion-progress-as-of', 'data-time': String(asOf) }, [formatTime(asOf)]),
      element('dt', {}, [strings.deletionEstimatedEnd]),
      element('dd', { id: 'deletion-estimated-end', 'data-complete': String(progress.complete) }, [endText]),
    ]),
    element('h3', { id: 'deletion-partitions-heading' }, [strings.deletionPartitions]),
    element(
      'ol',
      { id: 'deletion-partitions', class: 'partitions', 'aria-labelledby': 'deletion-partitions-heading' },
      progress.partitions.map((p) => renderPartition(p, strings, locale, formatTime)),
    ),
    progress.notes.length > 0 &&
      element('details', { class: 'notes' }, [
        element('summary', {}, [strings.deletionNotes]),
        element(
          'ul',
          {},
          progress.notes.map((note) => element('li', {}, [note])),
        ),
      ]),
  ]);
}

export function renderAnomalies(target: HTMLElement, anomalies: AnomalyView[] | undefined, strings: PanelStrings, locale: string): void {
  if (!anomalies) {
    replaceChildren(target, []);
    return;
  }
  replaceChildren(target, [
    element('h3', {}, [strings.deletionAnomalies]),
    anomalies.length === 0
      ? element('p', { class: 'empty' }, [strings.deletionNoAnomalies])
      : element(
          'ul',
          { id: 'deletion-anomaly-list' },
          anomalies.map((a) =>
            element('li', { 'data-state': a.state, 'data-kind': a.kind }, [
              formatString(strings.deletionAnomalyValue, formatCount(a.count, locale), a.description),
            ]),
          ),
        ),
  ]);
}
