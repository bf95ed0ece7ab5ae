/**
 * The renderer's only door to Quarry: `window.quarry` in the desktop app, HTTP and server-sent
 * events in browser mode. Every response and event is checked against the shared contract.
 */
import {
  events, METHOD_NAMES, methods,
  type ApiError, type Envelope, type EventListener, type EventName, type MethodName, type QuarryApi, type QuarryBridge,
} from '../shared/contract';

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
  let source: EventSource | null = null;
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
      source ??= new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
      const handler = (message: MessageEvent<string>): void => listener(JSON.parse(message.data));
      source.addEventListener(event, handler);
      return () => source?.removeEventListener(event, handler);
    },
  };
}

function ipcTransport(bridge: QuarryBridge): Transport {
  return {
    call: (method, input) => (bridge[method] as (input: unknown) => Promise<Envelope<unknown>>)(input ?? {}),
    on: (event, listener) => bridge.on(event, listener as never),
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

/** A dropped file's absolute path; only the desktop app can know it. */
export function pathForFile(file: File): string | null {
  return window.quarry?.pathForFile(file) || null;
}

/** A message fit to show for any failure. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
