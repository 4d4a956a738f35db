// The lifecycle panel's webview: renders from validated host messages, keeps its state across
// reloads with getState/setState, and talks to the host only through the typed protocol.

import { PendingRequests } from '../src/core/pendingRequests';
import {
  isBucketSummaryList,
  parseHostMessage,
  type BucketSummary,
  type ConnectionSummary,
  type PanelMethod,
  type PanelRequests,
  type PanelStrings,
  type WebviewToHostMessage,
} from '../src/protocol';
import { button, dataGrid, divider, element, busyIndicator, registerComponents, replaceChildren, tag } from './ui';

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
}

const REQUEST_TIMEOUT_MS = 60_000;
const vscode = acquireVsCodeApi<PanelState>();
const pending = new PendingRequests();
let state: PanelState = vscode.getState() ?? {};
let bucketsStatus: { loading: boolean; error?: string } = { loading: false };

function request<M extends PanelMethod>(method: M, params: PanelRequests[M]['params']): Promise<PanelRequests[M]['result']> {
  const { requestId, result } = pending.open<PanelRequests[M]['result']>(method, REQUEST_TIMEOUT_MS);
  vscode.postMessage({ type: 'request', requestId, method, params });
  return result;
}

function update(patch: Partial<PanelState>): void {
  state = { ...state, ...patch };
  vscode.setState(state);
  render();
}

async function loadBuckets(): Promise<void> {
  bucketsStatus = { loading: true };
  render();
  try {
    const buckets = await request('listBuckets', {});
    if (!isBucketSummaryList(buckets)) throw new Error('The host sent a malformed bucket list.');
    bucketsStatus = { loading: false };
    update({ buckets });
  } catch (error) {
    bucketsStatus = { loading: false, error: error instanceof Error ? error.message : String(error) };
    render();
  }
}

function render(): void {
  const app = document.getElementById('app');
  const { strings, connection } = state;
  if (!app || !strings || !connection) return;
  const buckets = state.buckets;
  replaceChildren(app, [
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
    element('p', { class: 'coming-soon' }, [strings.comingSoon]),
  ]);
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (!message) return;
  switch (message.type) {
    case 'init':
      update({ strings: message.strings, connection: message.connection });
      return;
    case 'connectionChanged':
      // Results of the previous connection no longer apply.
      bucketsStatus = { loading: false };
      update({ connection: message.connection, buckets: undefined });
      return;
    case 'response':
      if (message.ok) pending.resolve(message.requestId, message.result);
      else pending.reject(message.requestId, new Error(message.error));
      return;
  }
});

window.addEventListener('unload', () => pending.close('The panel was closed.'));

registerComponents();
render();
vscode.postMessage({ type: 'ready' });
