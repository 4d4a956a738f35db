// The lifecycle panel's webview: renders from validated host messages, keeps its state across
// reloads with getState/setState, and talks to the host only through the typed protocol. It holds
// the connection, the buckets and the list of unused prefixes (webview/prefixList.ts).

import { isPrefixSortKey } from '../src/core/retention/prefixListModel';
import {
  isBucketSummaryList,
  isFrameRegionWire,
  isGifExportResult,
  isPanelStrings,
  isPixelDescription,
  isProgressAtFrame,
  isTagForExpirationResult,
  parseHostMessage,
  type BucketSummary,
  type ConnectionSummary,
  type HostEventMessage,
  type PanelRequests,
  type PanelStrings,
  type ReadyMessage,
  type WebviewToHostMessage,
} from '../src/panelProtocol';
import { Channel, type NoRequests } from '../src/webviewKit/channel';
import { DeletionPlayer, type DeletionPlayerState } from './deletionPlayer';
import { PrefixList, type PrefixListState } from './prefixList';
import { element, replaceChildren } from './kit/dom';
import { button, dataGrid, divider, busyIndicator, registerComponents, tag } from './ui';

interface VsCodeApi<State> {
  postMessage(message: WebviewToHostMessage): void;
  getState(): State | undefined;
  setState(state: State): void;
}
declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

/** What survives a reload of the webview. */
interface PanelState {
  strings?: PanelStrings;
  connection?: ConnectionSummary;
  buckets?: BucketSummary[];
  retention?: PrefixListState;
  deletion?: DeletionPlayerState;
}

/**
 * How long a retention request's answer may take: it includes the user's own time in the host's
 * prompts and previews, and a whole tagging run. Bounded only to not wait forever.
 */
const RETENTION_TIMEOUT_MS = 24 * 3_600_000;
/** Scrolling and typing change the state often; it is written once things settle. */
const SAVE_DELAY_MS = 250;
const vscode = acquireVsCodeApi<PanelState>();
/** Requests to the host and what it sends; only messages `parseHostMessage` accepts get through. */
const channel = new Channel<PanelRequests, NoRequests, HostEventMessage, ReadyMessage>({
  post: (message) => vscode.postMessage(message),
  parse: parseHostMessage,
  onMessage: (message) => onHostMessage(message),
  requests: {
    listBuckets: { timeoutMs: 60_000, isResult: isBucketSummaryList },
    tagForExpiration: { timeoutMs: RETENTION_TIMEOUT_MS, isResult: isTagForExpirationResult },
    findUnusedPrefixes: { timeoutMs: RETENTION_TIMEOUT_MS, isResult: (value): value is null => value === null },
    deletionFrame: { timeoutMs: 60_000, isResult: isFrameRegionWire },
    deletionProgress: { timeoutMs: 60_000, isResult: isProgressAtFrame },
    describeDeletionPixel: { timeoutMs: 120_000, isResult: isPixelDescription },
    // The save dialog waits for the user.
    exportDeletionGif: { timeoutMs: RETENTION_TIMEOUT_MS, isResult: isGifExportResult },
    playDeletion: { timeoutMs: RETENTION_TIMEOUT_MS, isResult: (value): value is null => value === null },
    cancelDeletion: { timeoutMs: 30_000, isResult: (value): value is null => value === null },
  },
  handlers: {},
});
let state: PanelState = savedState(vscode.getState());
let bucketsStatus: { loading: boolean; error?: string } = { loading: false };
let saveTimer: ReturnType<typeof setTimeout> | undefined;

/** The saved state, without what an older version of the panel saved in another shape. */
function savedState(saved: PanelState | undefined): PanelState {
  if (!saved || !isPanelStrings(saved.strings)) return {};
  const retention = saved.retention;
  if (retention && !(Array.isArray(retention.selected) && Array.isArray(retention.statuses) && isPrefixSortKey(retention.sort?.key)))
    return { ...saved, retention: undefined };
  return saved;
}

const prefixList = new PrefixList(
  {
    locale: document.documentElement.lang || navigator.language,
    findUnusedPrefixes: async () => {
      await channel.request('findUnusedPrefixes', {});
    },
    tagForExpiration: async (bucket, prefixes) => {
      const result = await channel.request('tagForExpiration', { bucket, prefixes });
      return result.tagged;
    },
    stateChanged: () => scheduleSave(),
  },
  state.retention,
);
const deletionPlayer = new DeletionPlayer(
  {
    locale: document.documentElement.lang || navigator.language,
    frame: (session, index, base) => channel.request('deletionFrame', { session, index, base }),
    progress: (session, index) => channel.request('deletionProgress', { session, index }),
    describePixel: (session, x, y) => channel.request('describeDeletionPixel', { session, x, y }),
    exportGif: (session, frameDelayMs) => channel.request('exportDeletionGif', { session, frameDelayMs }),
    play: async () => {
      await channel.request('playDeletion', {});
    },
    cancel: async (session) => {
      await channel.request('cancelDeletion', { session });
    },
    stateChanged: () => scheduleSave(),
  },
  state.deletion,
);
const chrome = element('div', { id: 'panel-chrome' });
document.getElementById('app')?.append(chrome, prefixList.element, deletionPlayer.element);

function saveState(): void {
  if (saveTimer !== undefined) clearTimeout(saveTimer);
  saveTimer = undefined;
  state = { ...state, retention: prefixList.snapshot(), deletion: deletionPlayer.snapshot() };
  vscode.setState(state);
}

function scheduleSave(): void {
  if (saveTimer !== undefined) clearTimeout(saveTimer);
  saveTimer = setTimeout(saveState, SAVE_DELAY_MS);
}

function update(patch: Partial<PanelState>): void {
  state = { ...state, ...patch };
  saveState();
  render();
}

let listStrings: string | undefined;

function setListStrings(strings: PanelStrings): void {
  // The same strings again (the init after a reload) need no rebuild of a possibly long list.
  const text = JSON.stringify(strings);
  if (text === listStrings) return;
  listStrings = text;
  prefixList.setStrings(strings);
  deletionPlayer.setStrings(strings);
}

async function loadBuckets(): Promise<void> {
  bucketsStatus = { loading: true };
  render();
  try {
    const buckets = await channel.request('listBuckets', {});
    bucketsStatus = { loading: false };
    update({ buckets });
  } catch (error) {
    bucketsStatus = { loading: false, error: error instanceof Error ? error.message : String(error) };
    render();
  }
}

/** Renders the connection and the buckets; the prefix list renders itself. */
function render(): void {
  const { strings, connection } = state;
  if (!strings || !connection) return;
  const buckets = state.buckets;
  replaceChildren(chrome, [
    element('h1', { id: 'panel-title' }, [strings.title]),
    element('dl', { class: 'summary' }, [
      element('dt', {}, [strings.connectionLabel]),
      element('dd', { id: 'connection' }, [connection.description]),
      element('dt', {}, [strings.engineLabel]),
      element('dd', { id: 'engine' }, [tag(connection.engine === 'local' ? strings.engineLocal : strings.engineAthena)]),
    ]),
    divider(),
    element('section', { 'aria-labelledby': 'buckets-heading' }, [
      element('div', { class: 'section-header' }, [
        element('h2', { id: 'buckets-heading' }, [strings.bucketsHeading]),
        button(strings.listBuckets, () => void loadBuckets(), { id: 'list-buckets', disabled: bucketsStatus.loading }),
        bucketsStatus.loading && busyIndicator(strings.loading),
      ]),
      bucketsStatus.error !== undefined && element('p', { class: 'error', role: 'alert', id: 'buckets-error' }, [bucketsStatus.error]),
      buckets !== undefined && buckets.length === 0 && element('p', { id: 'no-buckets' }, [strings.noBuckets]),
      buckets !== undefined &&
        buckets.length > 0 &&
        dataGrid(
          [
            { title: strings.bucketColumn, text: (b: BucketSummary) => b.name },
            { title: strings.createdColumn, text: (b: BucketSummary) => (b.createdAt ? new Date(b.createdAt).toLocaleString() : '—') },
          ],
          buckets,
          { id: 'bucket-grid', label: strings.bucketsHeading },
        ),
    ]),
    divider(),
  ]);
}

function onHostMessage(message: HostEventMessage): void {
  switch (message.type) {
    case 'init':
      setListStrings(message.strings);
      update({ strings: message.strings, connection: message.connection });
      return;
    case 'connectionChanged':
      // Results of the previous connection no longer apply.
      bucketsStatus = { loading: false };
      if (state.connection?.description !== message.connection.description) prefixList.clearReport();
      update({ connection: message.connection, buckets: undefined });
      return;
    case 'retentionReport':
      prefixList.setReport(message.report);
      return;
    case 'prefixStatus':
      prefixList.applyStatus(message);
      return;
    case 'deletionPreparing':
    case 'deletionStart':
    case 'deletionFrames':
    case 'deletionEnd':
      deletionPlayer.onMessage(message);
      return;
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => channel.receive(event.data));
window.addEventListener('unload', () => channel.dispose('The panel was closed.'));

registerComponents();
if (state.strings) setListStrings(state.strings);
render();
void channel.send({ type: 'ready' });
