// The lifecycle panel's list of unused prefixes: the report's summary and totals, a filter, the
// virtualised grid (webview/prefixGrid.ts) and "Tag for expiration" for a row or the selection.
// It owns the list's state (sort, filter, selection, tagging states) and keeps it across reloads;
// the logic that can be pure is in src/core/retention/prefixList.ts.

import {
  DEFAULT_PREFIX_SORT,
  NO_PREFIX_FILTER,
  nextSort,
  selectedVisible,
  selectRange,
  selectionState,
  storageClassesOf,
  tagTargets,
  toggleAllVisible,
  totalsOf,
  visiblePrefixes,
  withSelected,
  type PrefixFilter,
  type PrefixSort,
} from '../src/core/retention/prefixListModel';
import { formatCount } from '../src/core/format';
import { isValidBucketName } from '../src/core/s3uri';
import { MAX_REQUEST_PREFIXES, type PanelStrings, type PrefixStatusMessage, type RetentionReport, type UnusedPrefix } from '../src/panelProtocol';
import { formatString } from '../src/webviewKit/strings';
import { PrefixGrid, type PrefixGridModel, type PrefixStatusEntry } from './prefixGrid';
import { renderReportSummary, TotalsTable } from './retentionSummary';
import { element, replaceChildren } from './kit/dom';
import { busyIndicator, button, select, textField } from './ui';

export type { PrefixStatusEntry };

const FILTER_DELAY_MS = 120;
/**
 * A larger report is not kept in the webview state: the state is serialised whole on every save
 * (scrolling, ticking a box), and 100k prefixes are ~25 MB. The host sends its last report again
 * after a reload; the view (sort, filter, selection, scroll) is kept for any size.
 */
const MAX_PREFIXES_IN_STATE = 20_000;

interface ReportId {
  bucket: string;
  generatedAt: string;
}

/** What the list keeps across reloads of the webview. */
export interface PrefixListState {
  /** The report, when it is small enough to keep (MAX_PREFIXES_IN_STATE). */
  report?: RetentionReport;
  /** Which report the view state belongs to. */
  reportId?: ReportId;
  sort: PrefixSort;
  filter: PrefixFilter;
  selected: string[];
  statuses: [string, PrefixStatusEntry][];
  scrollTop: number;
  /** The prefix of the focused row. */
  active: string | null;
}

export interface PrefixListHost {
  locale: string;
  findUnusedPrefixes(): Promise<void>;
  /** Resolves with the prefixes that were tagged ([] when the user cancelled the preview). */
  tagForExpiration(bucket: string, prefixes: string[]): Promise<string[]>;
  /** Something in `snapshot()` changed. */
  stateChanged(): void;
}

export class PrefixList {
  readonly element = element('section', { id: 'unused-prefixes', 'aria-labelledby': 'unused-heading' });
  private strings: PanelStrings | undefined;
  private report: RetentionReport | undefined;
  private reportId: ReportId | undefined;
  private sort: PrefixSort;
  private filter: PrefixFilter;
  private selected: Set<string>;
  private readonly statuses: Map<string, PrefixStatusEntry>;
  /** The last row toggled: where a Shift range starts. */
  private anchor: string | null = null;
  private visible: UnusedPrefix[] = [];
  private indexOf = new Map<string, number>();
  private finding = false;
  private tagging = false;
  private error: string | undefined;
  private pendingScrollTop: number | undefined;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly grid: PrefixGrid;
  private findButton: HTMLElement | undefined;
  private tagSelectedButton: HTMLElement | undefined;
  private totals: TotalsTable | undefined;
  private readonly busySlot = element('span', { class: 'busy-slot' });
  private readonly errorLine = element('p', { id: 'retention-error', class: 'error', role: 'alert', hidden: '' });
  private readonly introLine = element('p', { id: 'unused-intro', class: 'intro' });
  private readonly reportArea = element('div', { id: 'retention-report' });
  private readonly shownCount = element('span', { id: 'shown-count', class: 'shown-count', 'aria-live': 'polite' });
  private readonly noMatches = element('p', { id: 'no-matching-prefixes', class: 'empty', hidden: '' });

  constructor(
    private readonly host: PrefixListHost,
    saved: PrefixListState | undefined,
  ) {
    this.sort = saved?.sort ?? DEFAULT_PREFIX_SORT;
    this.filter = saved?.filter ?? NO_PREFIX_FILTER;
    this.selected = new Set(saved?.selected ?? []);
    this.statuses = new Map(saved?.statuses ?? []);
    this.report = saved?.report;
    this.reportId = saved?.reportId ?? (saved?.report ? { bucket: saved.report.bucket, generatedAt: saved.report.generatedAt } : undefined);
    this.pendingScrollTop = saved?.scrollTop;
    this.grid = new PrefixGrid(() => this.gridModel(), {
      sortBy: (key) => this.setSort(nextSort(this.sort, key)),
      toggle: (prefix, range) => {
        this.setSelection(
          range ? selectRange(this.visible, this.selected, this.anchor, prefix) : withSelected(this.selected, [prefix], !this.selected.has(prefix)),
        );
        this.anchor = prefix;
      },
      toggleAll: () => this.setSelection(toggleAllVisible(this.visible, this.selected)),
      selectAll: () =>
        this.setSelection(
          withSelected(
            this.selected,
            this.visible.map((row) => row.prefix),
            true,
          ),
        ),
      tag: (prefix) => {
        if (this.canTag(prefix)) void this.tag([prefix]);
      },
      viewChanged: () => this.host.stateChanged(),
    });
    this.grid.active = saved?.active ?? null;
  }

  snapshot(): PrefixListState {
    return {
      ...(this.report && this.report.prefixes.length <= MAX_PREFIXES_IN_STATE ? { report: this.report } : {}),
      ...(this.reportId ? { reportId: this.reportId } : {}),
      sort: this.sort,
      filter: this.filter,
      selected: [...this.selected],
      statuses: [...this.statuses],
      scrollTop: this.pendingScrollTop ?? this.grid.scrollTop,
      active: this.grid.active,
    };
  }

  setStrings(strings: PanelStrings): void {
    this.strings = strings;
    this.findButton = button(strings.findUnused, () => void this.find(), { id: 'find-unused', appearance: 'secondary' });
    this.tagSelectedButton = button(formatString(strings.tagSelected, 0), () => void this.tagSelected(), { id: 'tag-selected' });
    this.introLine.textContent = strings.findUnusedIntro;
    this.noMatches.textContent = strings.noMatches;
    this.grid.build(strings);
    replaceChildren(this.element, [
      element('div', { class: 'section-header' }, [element('h2', { id: 'unused-heading' }, [strings.unusedHeading]), this.findButton, this.busySlot]),
      this.errorLine,
      this.introLine,
      this.reportArea,
      element('span', { id: 'prefix-grid-help', class: 'visually-hidden' }, [strings.gridHelp]),
    ]);
    this.showReport();
  }

  /** A new report, or the same one again after a reload: then the view (selection, scroll) stays. */
  setReport(report: RetentionReport): void {
    const previous = this.reportId;
    const sameBucket = previous?.bucket === report.bucket;
    const sameReport = sameBucket && previous.generatedAt === report.generatedAt;
    if (!sameBucket) {
      this.statuses.clear();
      this.filter = NO_PREFIX_FILTER;
    }
    if (sameReport) {
      const present = new Set(report.prefixes.map((p) => p.prefix));
      this.selected = new Set([...this.selected].filter((prefix) => present.has(prefix)));
    } else {
      this.selected = new Set();
      this.grid.active = null;
      this.anchor = null;
      this.pendingScrollTop = 0;
    }
    this.report = report;
    this.reportId = { bucket: report.bucket, generatedAt: report.generatedAt };
    this.error = undefined;
    this.showReport();
    this.host.stateChanged();
  }

  /** The connection changed: its reports no longer apply. */
  clearReport(): void {
    this.report = undefined;
    this.reportId = undefined;
    this.statuses.clear();
    this.selected = new Set();
    this.grid.active = null;
    this.showReport();
    this.host.stateChanged();
  }

  applyStatus(message: PrefixStatusMessage): void {
    if (!this.report || message.bucket !== this.report.bucket) return;
    for (const prefix of message.prefixes) {
      if (message.status === 'untagged') this.statuses.delete(prefix);
      else this.statuses.set(prefix, message.detail === undefined ? { status: message.status } : { status: message.status, detail: message.detail });
    }
    this.updateSelection();
    this.host.stateChanged();
  }

  // ---- Rendering ----------------------------------------------------------------------------

  private gridModel(): PrefixGridModel | undefined {
    if (!this.strings || !this.report) return undefined;
    return {
      strings: this.strings,
      locale: this.host.locale,
      visible: this.visible,
      sort: this.sort,
      selection: selectionState(this.visible, this.selected),
      indexOf: (prefix) => this.indexOf.get(prefix),
      isSelected: (prefix) => this.selected.has(prefix),
      statusOf: (prefix) => this.statuses.get(prefix),
      canTag: (prefix) => this.canTag(prefix),
    };
  }

  /** Renders the report part (or the intro when there is none) from scratch. */
  private showReport(): void {
    const strings = this.strings;
    if (!strings) return;
    // Rebuilding detaches the grid, which loses its scroll position: take it along.
    if (this.pendingScrollTop === undefined && this.grid.element.isConnected) this.pendingScrollTop = this.grid.scrollTop;
    this.updateBusy();
    const report = this.report;
    this.introLine.hidden = report !== undefined;
    this.reportArea.hidden = report === undefined;
    if (!report) {
      delete this.element.dataset.generatedAt;
      replaceChildren(this.reportArea, []);
      return;
    }
    // Which analysis is shown: a re-run of the same inputs changes only this.
    this.element.dataset.generatedAt = report.generatedAt;
    this.totals = new TotalsTable(strings);
    const parts: (HTMLElement | false)[] = [...renderReportSummary(report, strings, this.host.locale), this.totals.element];
    if (report.prefixes.length === 0) {
      parts.push(element('p', { id: 'no-unused-prefixes', class: 'empty' }, [strings.noUnusedPrefixes]));
    } else {
      const classes = storageClassesOf(report.prefixes);
      if (this.filter.storageClass !== null && !classes.includes(this.filter.storageClass)) this.filter = { ...this.filter, storageClass: null };
      const filterField = textField({
        id: 'prefix-filter',
        label: strings.filterLabel,
        hiddenLabel: true,
        placeholder: strings.filterPlaceholder,
        value: this.filter.text,
        onInput: (text) => this.onFilterText(text),
      });
      const classFilter = select({
        id: 'storage-class-filter',
        label: strings.storageClassFilterLabel,
        choices: [{ value: '', label: strings.anyStorageClass }, ...classes.map((c) => ({ value: c, label: c }))],
        value: this.filter.storageClass ?? '',
        onChange: (value) => this.setFilter({ ...this.filter, storageClass: value === '' ? null : value }),
      });
      parts.push(
        element('div', { class: 'list-tools' }, [filterField, classFilter, this.shownCount, this.tagSelectedButton ?? false]),
        !isValidBucketName(report.bucket) && element('p', { id: 'tag-needs-bucket', class: 'warning' }, [strings.tagNeedsBucket]),
        this.grid.element,
        this.noMatches,
      );
    }
    replaceChildren(this.reportArea, parts);
    this.recompute();
    if (this.pendingScrollTop !== undefined) {
      this.grid.restoreScroll(this.pendingScrollTop);
      this.pendingScrollTop = undefined;
    }
  }

  /** The filter, the sort or the report changed: what is shown, and everything counted from it. */
  private recompute(): void {
    const report = this.report;
    if (!report || !this.strings) return;
    this.visible = visiblePrefixes(report.prefixes, this.filter, this.sort);
    this.indexOf = new Map(this.visible.map((row, i) => [row.prefix, i]));
    this.noMatches.hidden = !(report.prefixes.length > 0 && this.visible.length === 0);
    const locale = this.host.locale;
    this.shownCount.textContent = formatString(this.strings.shownCount, formatCount(this.visible.length, locale), formatCount(report.prefixes.length, locale));
    this.totals?.update('shown', totalsOf(this.visible), locale);
    this.grid.update();
    this.updateSelection();
  }

  /** The selection or a tagging state changed: its totals, the "Tag selected" button and the rows. */
  private updateSelection(): void {
    const strings = this.strings;
    if (!strings || !this.report) return;
    this.totals?.update('selected', totalsOf(selectedVisible(this.visible, this.selected)), this.host.locale);
    const targets = this.tagTargets();
    if (this.tagSelectedButton) {
      this.tagSelectedButton.textContent = formatString(strings.tagSelected, formatCount(targets.length, this.host.locale));
      this.tagSelectedButton.toggleAttribute('disabled', targets.length === 0 || this.tagging || !isValidBucketName(this.report.bucket));
    }
    this.grid.refresh();
  }

  private updateBusy(): void {
    this.findButton?.toggleAttribute('disabled', this.finding);
    replaceChildren(this.busySlot, [this.finding && this.strings && busyIndicator(this.strings.finding)]);
    this.errorLine.textContent = this.error ?? '';
    this.errorLine.hidden = this.error === undefined;
  }

  /** Already tagged, or being tagged: tagging again would only repeat requests. */
  private isSettled(prefix: string): boolean {
    const status = this.statuses.get(prefix)?.status;
    return status === 'tagged' || status === 'tagging';
  }

  /** One tagging request at a time (each opens the host's preview), for a report of one bucket. */
  private canTag(prefix: string): boolean {
    return !this.tagging && this.report !== undefined && isValidBucketName(this.report.bucket) && !this.isSettled(prefix);
  }

  private tagTargets(): string[] {
    return tagTargets(this.visible, this.selected, (prefix) => this.isSettled(prefix));
  }

  // ---- Actions ------------------------------------------------------------------------------

  private setSort(sort: PrefixSort): void {
    this.sort = sort;
    this.recompute();
    this.grid.scrollToActive();
    this.host.stateChanged();
  }

  private onFilterText(text: string): void {
    if (this.filterTimer !== undefined) clearTimeout(this.filterTimer);
    // Sorting 100k rows on every keystroke would make typing lag.
    this.filterTimer = setTimeout(() => {
      this.filterTimer = undefined;
      this.setFilter({ ...this.filter, text });
    }, FILTER_DELAY_MS);
  }

  private setFilter(filter: PrefixFilter): void {
    this.filter = filter;
    this.recompute();
    this.grid.scrollToTop();
    this.host.stateChanged();
  }

  private setSelection(selected: Set<string>): void {
    this.selected = selected;
    this.updateSelection();
    this.host.stateChanged();
  }

  private async tagSelected(): Promise<void> {
    const targets = this.tagTargets();
    if (targets.length > MAX_REQUEST_PREFIXES && this.strings) {
      this.error = formatString(this.strings.tooManyPrefixes, formatCount(MAX_REQUEST_PREFIXES, this.host.locale));
      this.updateBusy();
      return;
    }
    if (targets.length > 0 && !this.tagging) await this.tag(targets);
  }

  private async tag(prefixes: string[]): Promise<void> {
    const report = this.report;
    if (!report || !isValidBucketName(report.bucket)) return;
    this.tagging = true;
    this.error = undefined;
    this.updateBusy();
    this.updateSelection();
    try {
      const tagged = await this.host.tagForExpiration(report.bucket, prefixes);
      if (this.report === report) this.selected = withSelected(this.selected, tagged, false);
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.tagging = false;
      this.updateBusy();
      this.updateSelection();
      this.host.stateChanged();
    }
  }

  private async find(): Promise<void> {
    this.finding = true;
    this.error = undefined;
    this.updateBusy();
    try {
      await this.host.findUnusedPrefixes();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.finding = false;
      this.updateBusy();
    }
  }
}
