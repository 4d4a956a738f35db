// The typed messages between the extension host and the lifecycle panel's webview.
// Imported by both sides. The webview is untrusted: the host validates every inbound message
// with `parseWebviewMessage` before acting on it.

// ---- Shared values -------------------------------------------------------------------------

/** Where the panel's requests go, without credentials. */
export interface ConnectionSummary {
  /** One line such as `http://127.0.0.1:5000 (default credential chain, us-east-1, path-style)`. */
  description: string;
  engine: 'local' | 'athena';
}

export interface BucketSummary {
  name: string;
  /** ISO-8601 creation time, when S3 reported one. */
  createdAt: string | null;
}

/** User-facing strings, localised on the host with `vscode.l10n.t` and sent once in `init`. */
export interface PanelStrings {
  title: string;
  connectionLabel: string;
  engineLabel: string;
  engineLocal: string;
  engineAthena: string;
  listBuckets: string;
  bucketsHeading: string;
  bucketColumn: string;
  createdColumn: string;
  noBuckets: string;
  loading: string;
  comingSoon: string;
}

// ---- Requests the webview makes of the host -------------------------------------------------

/** Each request method with its parameters and its result. */
export interface PanelRequests {
  /** The buckets of the current connection. */
  listBuckets: { params: Record<string, never>; result: BucketSummary[] };
}

export type PanelMethod = keyof PanelRequests;
export const PANEL_METHODS: readonly PanelMethod[] = ['listBuckets'];

// ---- Webview → host -------------------------------------------------------------------------

/** The webview has loaded its script and listens: the host answers with `init`. */
export interface ReadyMessage {
  type: 'ready';
}

/** A request; the host answers with a `response` carrying the same `requestId`. */
export interface RequestMessage<M extends PanelMethod = PanelMethod> {
  type: 'request';
  requestId: number;
  method: M;
  params: PanelRequests[M]['params'];
}

export type WebviewToHostMessage = ReadyMessage | RequestMessage;

// ---- Host → webview -------------------------------------------------------------------------

/** Everything the panel needs to render, sent once after `ready`. */
export interface InitMessage {
  type: 'init';
  strings: PanelStrings;
  connection: ConnectionSummary;
}

/** The settings changed: the panel shows the new connection and forgets results of the old one. */
export interface ConnectionChangedMessage {
  type: 'connectionChanged';
  connection: ConnectionSummary;
}

/** The answer to a request: `result` on success, `error` (a user-facing message) on failure. */
export type ResponseMessage =
  | { type: 'response'; requestId: number; ok: true; result: unknown }
  | { type: 'response'; requestId: number; ok: false; error: string };

export type HostToWebviewMessage = InitMessage | ConnectionChangedMessage | ResponseMessage;

// ---- Validation -----------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Validates a message from the webview; anything malformed or unknown yields undefined. */
export function parseWebviewMessage(raw: unknown): WebviewToHostMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'request': {
      if (!isRequestId(raw.requestId)) return undefined;
      if (typeof raw.method !== 'string' || !(PANEL_METHODS as readonly string[]).includes(raw.method)) return undefined;
      const method = raw.method as PanelMethod;
      switch (method) {
        case 'listBuckets':
          if (raw.params !== undefined && !(isRecord(raw.params) && Object.keys(raw.params).length === 0)) return undefined;
          return { type: 'request', requestId: raw.requestId, method, params: {} };
        default:
          return assertNever(method);
      }
    }
    default:
      return undefined;
  }
}

/** Validates a message from the host (the webview trusts only what it can check). */
export function parseHostMessage(raw: unknown): HostToWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'init':
      return isRecord(raw.strings) && isConnectionSummary(raw.connection) ? (raw as unknown as InitMessage) : undefined;
    case 'connectionChanged':
      return isConnectionSummary(raw.connection) ? { type: 'connectionChanged', connection: raw.connection } : undefined;
    case 'response':
      if (!isRequestId(raw.requestId) || typeof raw.ok !== 'boolean') return undefined;
      if (raw.ok) return { type: 'response', requestId: raw.requestId, ok: true, result: raw.result };
      return typeof raw.error === 'string' ? { type: 'response', requestId: raw.requestId, ok: false, error: raw.error } : undefined;
    default:
      return undefined;
  }
}

function isConnectionSummary(value: unknown): value is ConnectionSummary {
  return isRecord(value) && typeof value.description === 'string' && (value.engine === 'local' || value.engine === 'athena');
}

export function isBucketSummaryList(value: unknown): value is BucketSummary[] {
  return Array.isArray(value) && value.every((b) => isRecord(b) && typeof b.name === 'string' && (b.createdAt === null || typeof b.createdAt === 'string'));
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
