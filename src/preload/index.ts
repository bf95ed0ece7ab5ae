import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { EVENT_CHANNEL, METHOD_NAMES, methodChannel, type EventName, type PushEvent, type QuarryBridge } from '../shared/contract.js';

// `window.quarry`: one function per contract method and typed event subscriptions. ipcRenderer
// itself never reaches the page, and there is no generic invoke.
const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
ipcRenderer.on(EVENT_CHANNEL, (_event, message: PushEvent) => {
  for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
});

const methods = Object.fromEntries(METHOD_NAMES.map((name) => [name, (input: unknown) => ipcRenderer.invoke(methodChannel(name), input)]));

const bridge = {
  ...methods,
  on(event: EventName, listener: (payload: unknown) => void) {
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
} as unknown as QuarryBridge;

contextBridge.exposeInMainWorld('quarry', bridge);
