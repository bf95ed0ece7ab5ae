import http from 'node:http';
import { createParser } from 'eventsource-parser';
import {
  apiError, events, isEventName, METHOD_NAMES, methods,
  type EventListener, type EventName, type MethodName, type QuarryApi,
} from '../../shared/contract.js';
import { QuarryError } from '../../shared/errors.js';

/** Where an engine listens: its loopback port and the token every call carries. */
export interface EngineAddress {
  port: number;
  token: string;
}

/** The whole contract as functions, plus its push events: what the CLI and the MCP server call. */
export interface EngineClient extends QuarryApi {
  /** Subscribes to a push event; resolves once the event stream is open, with the unsubscribe function. */
  on<E extends EventName>(event: E, listener: EventListener<E>): Promise<() => void>;
  /** Rejects when the event stream ends without close(): the engine stopped or died. */
  lost: Promise<never>;
  /** Closes the event stream; calls still work. */
  close(): void;
}

/**
 * A typed client of an engine over its HTTP transport, derived from the contract as the preload
 * bridge and the renderer's client are: one function per method, each input checked before it
 * leaves and each output checked when it arrives. Errors keep the engine's stable codes.
 */
export function engineClient(address: EngineAddress): EngineClient {
  // node:http, not fetch: a CLI call is a new process, and fetch's first use costs tens of ms to load.
  const agent = new http.Agent({ keepAlive: true });

  /** One request; resolves with the status and body, or rejects when the engine cannot be reached. */
  function request(method: 'GET' | 'POST', name: string, body?: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: address.port,
          path: `/api/${name}`,
          method,
          agent,
          headers: { authorization: `Bearer ${address.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
        },
        resolve,
      );
      req.on('error', (error: NodeJS.ErrnoException) => reject(new QuarryError('ENGINE_UNAVAILABLE', `The Quarry engine on port ${address.port} cannot be reached (${error.code ?? error.message})`)));
      req.end(body);
    });
  }

  async function call(name: MethodName, input: unknown): Promise<unknown> {
    const response = await request('POST', name, JSON.stringify(methods[name].input.parse(input ?? {})));
    let text = '';
    for await (const part of response) text += part;
    const envelope = parseEnvelope(text);
    if (envelope && 'error' in envelope) {
      const error = apiError.safeParse(envelope.error);
      if (!error.success) throw new QuarryError('ENGINE_UNAVAILABLE', `The engine answered ${name} with a malformed error`);
      const { code, message } = error.data;
      // BAD_REQUEST and INTERNAL are transport codes, not Quarry's: they travel as plain errors.
      throw code === 'BAD_REQUEST' || code === 'INTERNAL' ? new Error(message) : new QuarryError(code, message);
    }
    if (!envelope || !('result' in envelope)) throw new QuarryError('ENGINE_UNAVAILABLE', `The engine answered ${name} with HTTP ${response.statusCode} and no result`);
    return methods[name].output.parse(envelope.result);
  }

  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let stream: { response: Promise<http.IncomingMessage> } | null = null;
  let closing = false;
  let loseEngine!: (error: Error) => void;
  const lost = new Promise<never>((_, reject) => (loseEngine = reject));
  lost.catch(() => undefined); // only those who wait on it hear of it

  function openStream(): Promise<void> {
    if (stream) return stream.response.then(() => undefined);
    const response = request('GET', 'events').then((res) => {
      if (res.statusCode !== 200) throw new QuarryError('ENGINE_UNAVAILABLE', `The engine's event stream answered HTTP ${res.statusCode}`);
      const parser = createParser({
        onEvent: ({ event, data }) => {
          if (!event || !isEventName(event)) return;
          const payload = events[event].parse(JSON.parse(data));
          for (const listener of listeners.get(event) ?? []) listener(payload);
        },
      });
      res.setEncoding('utf8');
      res.on('data', (part: string) => parser.feed(part));
      res.on('error', () => undefined); // 'close' follows
      res.on('close', () => {
        if (!closing) loseEngine(new QuarryError('ENGINE_UNAVAILABLE', `The Quarry engine on port ${address.port} stopped`));
      });
      return res;
    });
    stream = { response };
    return response.then(() => undefined);
  }

  const api = Object.fromEntries(METHOD_NAMES.map((name) => [name, (input: unknown) => call(name, input)])) as unknown as QuarryApi;
  return {
    ...api,
    async on<E extends EventName>(event: E, listener: EventListener<E>): Promise<() => void> {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const untyped = listener as (payload: unknown) => void;
      set.add(untyped);
      await openStream();
      return () => set.delete(untyped);
    },
    lost,
    close() {
      closing = true;
      void stream?.response.then((res) => res.destroy(), () => undefined);
      stream = null;
      agent.destroy();
    },
  };
}


function parseEnvelope(text: string): { result?: unknown; error?: unknown } | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}
