// A typed request/response channel between the extension host and a webview, one per side, after
// vscode-hexeditor's MessageHandler: requests carry ids, answers are matched to them, requests
// time out, and disposing the channel rejects what is pending and aborts the work it is answering.
// Unlike a plain message handler, nothing unvalidated gets through: every inbound message goes
// through the protocol's `parse` first, and every answer through the request's `isResult`.
// Imported by the host and the webview bundles (no DOM, no Node).
//
// On the wire (the protocols' types use these):
//   { type: 'request', requestId, method, params }             the asking side → the answering side
//   { type: 'response', requestId, ok: true, result }          and back, or
//   { type: 'response', requestId, ok: false, error }          with a user-facing message
// Other messages (`ready`, `init`, …) are the protocol's own; the channel hands them to `onMessage`.

import { isId, isRecord } from './guards';
import { ChannelClosedError, PendingRequests } from './pendingRequests';

export { ChannelClosedError, RequestTimeoutError } from './pendingRequests';

/** Each request method of a protocol, with its parameters and its result. */
export type RequestMap<R> = { [M in keyof R]: { params: unknown; result: unknown } };
/** A side that makes (or answers) no requests. */
export type NoRequests = Record<never, never>;

export type Method<R> = keyof R & string;

export interface RequestMessage<R extends RequestMap<R>, M extends Method<R> = Method<R>> {
  type: 'request';
  requestId: number;
  method: M;
  params: R[M]['params'];
}

/** A request of any method, as a union a handler can narrow with `switch (request.method)`. */
export type AnyRequest<R extends RequestMap<R>> = { [M in Method<R>]: RequestMessage<R, M> }[Method<R>];

/** The answer to a request: `result` on success, `error` (a user-facing message) on failure. */
export type ResponseMessage =
  { type: 'response'; requestId: number; ok: true; result: unknown } | { type: 'response'; requestId: number; ok: false; error: string };

/** Per method, the check of its parameters: a copy holding only what was checked, or undefined. */
export type ParamsParsers<R extends RequestMap<R>> = { [M in Method<R>]: (params: unknown) => R[M]['params'] | undefined };

/** A request with a known method and valid parameters, or undefined. Extra fields are dropped. */
export function parseRequest<R extends RequestMap<R>>(raw: Record<string, unknown>, parsers: ParamsParsers<R>): AnyRequest<R> | undefined {
  // Own keys only: a method named "constructor" or "toString" is not a method.
  if (raw.type !== 'request' || !isId(raw.requestId) || typeof raw.method !== 'string' || !Object.hasOwn(parsers, raw.method)) return undefined;
  const method = raw.method as Method<R>;
  const params = parsers[method](raw.params);
  return params === undefined ? undefined : ({ type: 'request', requestId: raw.requestId, method, params } as AnyRequest<R>);
}

/** A well-formed answer, or undefined. The result is checked later, against the request it answers. */
export function parseResponse(raw: Record<string, unknown>): ResponseMessage | undefined {
  if (raw.type !== 'response' || !isId(raw.requestId) || typeof raw.ok !== 'boolean') return undefined;
  if (raw.ok) return { type: 'response', requestId: raw.requestId, ok: true, result: raw.result };
  return typeof raw.error === 'string' ? { type: 'response', requestId: raw.requestId, ok: false, error: raw.error } : undefined;
}

/** The answer to a request did not pass its check. */
export class MalformedResponseError extends Error {
  constructor(method: string) {
    super(`The answer to "${method}" was malformed.`);
    this.name = 'MalformedResponseError';
  }
}

/** What one side sends: its own messages, its requests and, when it answers requests, responses. */
export type Outbound<Sends extends RequestMap<Sends>, Serves extends RequestMap<Serves>, Out> =
  Out | AnyRequest<Sends> | ([Method<Serves>] extends [never] ? never : ResponseMessage);

/** What one side receives: the other side's messages, the requests it answers and, when it makes requests, responses. */
export type Inbound<Sends extends RequestMap<Sends>, Serves extends RequestMap<Serves>, In> =
  In | AnyRequest<Serves> | ([Method<Sends>] extends [never] ? never : ResponseMessage);

export interface ChannelOptions<Sends extends RequestMap<Sends>, Serves extends RequestMap<Serves>, In extends { type: string }, Out extends { type: string }> {
  /** Sends a message to the other side (`webview.postMessage` on the host, the VS Code API's in the webview). */
  post(message: Outbound<Sends, Serves, Out>): void | PromiseLike<unknown>;
  /**
   * The protocol's validation of a message from the other side: the message (a copy of what was
   * checked) or undefined. It accepts the requests this side answers and the responses it expects.
   */
  parse(raw: unknown): Inbound<Sends, Serves, In> | undefined;
  /** A validated message that is neither a request nor a response. */
  onMessage(message: In): void;
  /** The requests this side makes: how long an answer may take, and its check. */
  requests: { [M in Method<Sends>]: { timeoutMs: number; isResult(value: unknown): value is Sends[M]['result'] } };
  /** The requests this side answers, with validated parameters; `signal` aborts when the channel is disposed. */
  handlers: { [M in Method<Serves>]: (params: Serves[M]['params'], signal: AbortSignal) => Promise<Serves[M]['result']> };
  /** The user-facing message of a handler's failure; default: the error's message. */
  describeFailure?(request: AnyRequest<Serves>, error: unknown): string;
  /** A message `parse` dropped (to log it). */
  onMalformed?(raw: unknown): void;
  /** When set, a dropped message that claims to be a request (with a usable id) is answered with this error, so the other side does not wait. */
  rejectedRequestError?: string;
  /** `post` failed. */
  onPostError?(message: Outbound<Sends, Serves, Out>, error: unknown): void;
}

export class Channel<Sends extends RequestMap<Sends>, Serves extends RequestMap<Serves>, In extends { type: string }, Out extends { type: string }> {
  private readonly pending = new PendingRequests();
  private readonly inFlight = new AbortController();
  private generation = 0;
  private disposed = false;

  constructor(private readonly options: ChannelOptions<Sends, Serves, In, Out>) {}

  /** Sends a message; false when the channel is disposed or `post` failed. Messages go out in the order of the calls. */
  async send(message: Outbound<Sends, Serves, Out>): Promise<boolean> {
    if (this.disposed) return false;
    try {
      await this.options.post(message);
      return true;
    } catch (error) {
      this.options.onPostError?.(message, error);
      return false;
    }
  }

  /** Asks the other side; settles with its checked answer, or rejects on an error answer, a timeout or disposal. */
  request<M extends Method<Sends>>(method: M, params: Sends[M]['params']): Promise<Sends[M]['result']> {
    const spec = this.options.requests[method];
    const { requestId, result } = this.pending.open<unknown>(method, spec.timeoutMs);
    if (!this.disposed) {
      void this.send({ type: 'request', requestId, method, params } as AnyRequest<Sends> as Outbound<Sends, Serves, Out>).then((sent) => {
        if (!sent) this.pending.reject(requestId, new ChannelClosedError(`"${method}" could not be sent.`));
      });
    }
    return result.then((value) => {
      if (!spec.isResult(value)) throw new MalformedResponseError(method);
      return value;
    });
  }

  /** Handles a raw message from the other side (`onDidReceiveMessage`, or the window's `message` event's data). */
  receive(raw: unknown): void {
    if (this.disposed) return;
    const message = this.options.parse(raw);
    if (message === undefined) this.drop(raw);
    else if (message.type === 'response') this.settle(message as ResponseMessage);
    else if (message.type === 'request') void this.answer(message as AnyRequest<Serves>);
    else this.options.onMessage(message as In);
  }

  /**
   * The other side started afresh (a reloaded webview's `ready`): it numbers its requests from 1
   * again, so answers still owed to its previous document are dropped rather than sent.
   */
  peerRestarted(): void {
    this.generation++;
  }

  /** Rejects every pending request and any later one, aborts the work of requests being answered, and stops sending. */
  dispose(reason = 'The channel was closed.'): void {
    if (this.disposed) return;
    this.disposed = true;
    this.inFlight.abort();
    this.pending.close(reason);
  }

  private settle(response: ResponseMessage): void {
    if (response.ok) this.pending.resolve(response.requestId, response.result);
    else this.pending.reject(response.requestId, new Error(response.error));
  }

  private async answer(request: AnyRequest<Serves>): Promise<void> {
    const generation = this.generation;
    let response: ResponseMessage;
    try {
      if (!Object.hasOwn(this.options.handlers, request.method)) throw new Error(`No handler for "${request.method}".`);
      const handler = this.options.handlers[request.method] as (params: unknown, signal: AbortSignal) => Promise<unknown>;
      response = { type: 'response', requestId: request.requestId, ok: true, result: await handler(request.params, this.inFlight.signal) };
    } catch (error) {
      const message = this.options.describeFailure ? this.options.describeFailure(request, error) : error instanceof Error ? error.message : String(error);
      response = { type: 'response', requestId: request.requestId, ok: false, error: message };
    }
    if (this.generation === generation) await this.send(response as Outbound<Sends, Serves, Out>);
  }

  /** A message that did not pass `parse`; one that claims to answer or to be a request still settles it. */
  private drop(raw: unknown): void {
    this.options.onMalformed?.(raw);
    if (!isRecord(raw) || !isId(raw.requestId)) return;
    if (raw.type === 'request' && this.options.rejectedRequestError !== undefined) {
      void this.send({ type: 'response', requestId: raw.requestId, ok: false, error: this.options.rejectedRequestError } as Outbound<Sends, Serves, Out>);
    } else if (raw.type === 'response') {
      const method = this.pending.methodOf(raw.requestId);
      if (method !== undefined) this.pending.reject(raw.requestId, new MalformedResponseError(method));
    }
  }
}
