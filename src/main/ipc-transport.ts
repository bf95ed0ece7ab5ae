import { EVENT_NAMES, METHOD_NAMES, methodChannel, parseInput, type Envelope, type PushEvent, type QuarryBackend } from '../shared/contract.js';
import { toApiError } from './api-error.js';

/** The part of Electron's ipcMain this transport uses (a stub stands in for it in tests). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, input: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * The Electron transport: one `ipcMain.handle` per contract method. Each call is refused unless
 * it comes from Quarry's own page, and its input is validated before the service sees it; the
 * answer is an envelope, because Electron keeps only the message of a thrown error.
 * Returns a function that removes the handlers.
 */
export function registerIpcHandlers(ipcMain: IpcMainLike, service: QuarryBackend, isTrustedPage: (url: string) => boolean): () => void {
  for (const name of METHOD_NAMES) {
    ipcMain.handle(methodChannel(name), async (event, input): Promise<Envelope<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedPage(url)) return { error: { code: 'BAD_REQUEST', message: `refused: ${url || 'an unknown frame'} is not Quarry's window` } };
      try {
        const call = service[name] as unknown as (input: unknown) => Promise<unknown>;
        return { result: await call.call(service, parseInput(name, input)) };
      } catch (error) {
        return { error: toApiError(error) };
      }
    });
  }
  return () => {
    for (const name of METHOD_NAMES) ipcMain.removeHandler(methodChannel(name));
  };
}

/** Forwards every push event of the service to `send` (each window's webContents); returns the unsubscribe. */
export function forwardEvents(service: QuarryBackend, send: (event: PushEvent) => void): () => void {
  const listeners = EVENT_NAMES.map((event) => {
    const listener = (payload: unknown): void => send({ event, payload } as PushEvent);
    service.on(event, listener as never);
    return () => service.off(event, listener as never);
  });
  return () => listeners.forEach((off) => off());
}
