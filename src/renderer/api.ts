/**
 * The renderer's only door to Quarry: `window.quarry` in the desktop app, HTTP and server-sent
 * events in browser mode. Every response and event is checked against the shared contract.
 */
import {
  events, METHOD_NAMES, methods,
  type ApiError, type Envelope, type EventListener, type EventName, type EventPayload, type MethodName, type QuarryApi, type QuarryBridge,
} from '../shared/contract';
import { followState } from './follow';

declare global {
  interface Window {
    quarry?: QuarryBridge;
  }
}

/** A failed call, with the contract's stable error code. */
export class ApiCallError extends Error {
  readonly code: ApiError['code'];
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
  }
}

interface Transport {
  call(method: MethodName, input: unknown): Promise<Envelope<unknown>>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
  /**
   * Calls `listener` each time the event stream opens again: events sent while it was not open
   * (before it first connected, or while it reconnected) never arrive.
   */
  onOpen(listener: () => void): () => void;
}

const TOKEN_KEY = 'quarry-token';

/** Browser mode: the token comes in the URL once, then lives in this tab's session storage. */
function httpTransport(): Transport {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
  }
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  // One stream for every subscription, opened by the first. It connects after the page's first
  // calls have been sent (and may wait for one of the browser's few connections to this server),
  // and reconnects by itself after a drop; an event the service sends meanwhile is not replayed.
  // The server starts listening as it answers, so every event sent after `open` fires arrives.
  let source: EventSource | null = null;
  const stream = (): EventSource => (source ??= new EventSource(`/api/events?token=${encodeURIComponent(token)}`));
  return {
    async call(method, input) {
      const response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(input ?? {}),
      }).catch(() => null);
      if (!response) return { error: { code: 'INTERNAL', message: 'Quarry is not reachable: is `quarry serve` still running?' } };
      if (response.status === 401) return { error: { code: 'BAD_REQUEST', message: 'This page has no valid token: open the URL Quarry printed.' } };
      return (await response.json()) as Envelope<unknown>;
    },
    on(event, listener) {
      const events = stream();
      const handler = (message: MessageEvent<string>): void => listener(JSON.parse(message.data));
      events.addEventListener(event, handler);
      return () => events.removeEventListener(event, handler);
    },
    onOpen(listener) {
      const events = stream();
      events.addEventListener('open', listener);
      return () => events.removeEventListener('open', listener);
    },
  };
}

function ipcTransport(bridge: QuarryBridge): Transport {
  return {
    call: (method, input) => (bridge[method] as (input: unknown) => Promise<Envelope<unknown>>)(input ?? {}),
    on: (event, listener) => bridge.on(event, listener as never),
    // The preload receives every event from the page's start: there is no stream to (re)open.
    onOpen: () => () => undefined,
  };
}

const transport: Transport = window.quarry ? ipcTransport(window.quarry) : httpTransport();

/** The desktop app, whose main process shows OS notifications; browser mode shows them in the page. */
export const inDesktopApp = Boolean(window.quarry);

export const api = Object.fromEntries(
  METHOD_NAMES.map((name) => [
    name,
    async (input: unknown) => {
      const envelope = await transport.call(name, input);
      if ('error' in envelope) throw new ApiCallError(envelope.error);
      return methods[name].output.parse(envelope.result);
    },
  ]),
) as unknown as QuarryApi;

/** Subscribes to a push event; returns the unsubscribe function. */
export function subscribe<E extends EventName>(event: E, listener: EventListener<E>): () => void {
  return transport.on(event, (payload) => listener(events[event].parse(payload) as Parameters<EventListener<E>>[0]));
}

/**
 * Calls `listener` whenever the event stream opens again (browser mode): state read before then
 * may have changed without an event arriving, so read it again. Returns the unsubscribe function.
 */
export function onEventStreamOpen(listener: () => void): () => void {
  return transport.onOpen(listener);
}

/** Follows the state an event carries whole, read again whenever the event stream opens (see `followState`). */
export function follow<E extends EventName>(event: E, load: () => Promise<EventPayload<E>>, apply: (state: EventPayload<E>) => void): () => void {
  return followState({ on: (listener) => subscribe(event, listener as EventListener<E>), onOpen: onEventStreamOpen }, load, apply);
}

/** A dropped file's absolute path; only the desktop app can know it. */
export function pathForFile(file: File): string | null {
  return window.quarry?.pathForFile(file) || null;
}

/** A message fit to show for any failure. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
