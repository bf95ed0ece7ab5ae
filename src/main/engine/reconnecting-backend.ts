import { METHOD_NAMES, type EventListener, type EventName, type QuarryApi } from '../../shared/contract.js';
import type { CliBackend } from '../cli-commands.js';

/** A backend that can be closed: the engine's client, or a service in the command's process. */
export type ClosableBackend = CliBackend & { close(): Promise<void> };

/**
 * A backend for long sessions (the MCP server): when the engine goes away (it idled out, the app
 * took the directory over, it was stopped), the next engine is found or started and every
 * subscription is made again on it, so an agent's session outlives its engine. `lost` rejects
 * only when no engine can be had.
 */
export async function reconnectingBackend(connect: () => Promise<ClosableBackend>): Promise<ClosableBackend> {
  let current = await connect();
  let closed = false;
  const subscriptions = new Map<object, { event: EventName; listener: (payload: never) => void; off: () => void }>();
  let giveUp!: (error: unknown) => void;
  const lost = new Promise<never>((_, reject) => (giveUp = reject));
  lost.catch(() => undefined); // only those who wait on it hear of it

  const follow = (backend: ClosableBackend): void => {
    backend.lost.catch(async () => {
      if (closed || backend !== current) return;
      try {
        const next = await connect();
        current = next;
        for (const subscription of subscriptions.values()) subscription.off = await next.subscribe(subscription.event, subscription.listener as never);
        follow(next);
      } catch (error) {
        giveUp(error);
      }
    });
  };
  follow(current);

  const api = Object.fromEntries(METHOD_NAMES.map((name) => [name, (input: unknown) => (current.api[name] as (input: unknown) => Promise<unknown>)(input)])) as unknown as QuarryApi;
  return {
    api,
    lost,
    async subscribe<E extends EventName>(event: E, listener: EventListener<E>): Promise<() => void> {
      const key = {};
      const off = await current.subscribe(event, listener);
      subscriptions.set(key, { event, listener: listener as (payload: never) => void, off });
      return () => {
        subscriptions.get(key)?.off();
        subscriptions.delete(key);
      };
    },
    async close() {
      closed = true;
      await current.close();
    },
  };
}
