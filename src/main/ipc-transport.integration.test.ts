import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copySampleRepo, tempDir } from '../../test/support/fixtures.js';
import { METHOD_NAMES, methodChannel, type Envelope, type PushEvent } from '../shared/contract.js';
import { openEngine, type OpenedEngine } from './compose.js';
import { forwardEvents, registerIpcHandlers, type IpcMainLike } from './ipc-transport.js';
import { QuarryService } from './service.js';
import { SettingsStore } from './settings-store.js';

/** Stands in for Electron's ipcMain, which needs the Electron binary; the service behind it is real. */
class StubIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Parameters<IpcMainLike['handle']>[1]>();
  handle(channel: string, listener: Parameters<IpcMainLike['handle']>[1]): void {
    assert.ok(!this.handlers.has(channel), `${channel} registered twice`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, input: unknown, frameUrl = QUARRY_PAGE): Promise<Envelope<unknown>> {
    const handler = this.handlers.get(channel);
    assert.ok(handler, `no handler for ${channel}`);
    return handler({ senderFrame: { url: frameUrl } }, input) as Promise<Envelope<unknown>>;
  }
}

const QUARRY_PAGE = 'file:///app/out/renderer/index.html';

describe('IPC transport (Electron glue) over the real service', () => {
  let cleanup: () => Promise<void>;
  let work: string;
  let opened: OpenedEngine;
  let service: QuarryService;
  const ipc = new StubIpcMain();
  let unregister: () => void;
  const pushed: PushEvent[] = [];
  let stopForwarding: () => void;

  before(async () => {
    ({ dir: work, cleanup } = await tempDir());
    const dataDir = path.join(work, 'data');
    opened = await openEngine({ dataDir, modelsDir: path.join(work, 'no-models') });
    service = new QuarryService(opened.engine, new SettingsStore(dataDir));
    unregister = registerIpcHandlers(ipc, service, (url) => url === QUARRY_PAGE);
    stopForwarding = forwardEvents(service, (event) => pushed.push(event));
  });
  after(async () => {
    stopForwarding();
    await service.stop();
    await opened.close();
    await cleanup();
  });

  it('registers exactly one channel per contract method', () => {
    assert.deepEqual([...ipc.handlers.keys()].sort(), METHOD_NAMES.map(methodChannel).sort());
  });

  it('refuses calls from any page but Quarry\'s own', async () => {
    const answer = await ipc.invoke(methodChannel('status'), {}, 'https://evil.example/');
    assert.ok('error' in answer);
    assert.match(answer.error.message, /evil\.example.*not Quarry's window/);
  });

  it('validates input before the service sees it, and carries error codes back', async () => {
    const bad = await ipc.invoke(methodChannel('search'), { requestId: 'r', query: 42 });
    assert.ok('error' in bad && bad.error.code === 'BAD_REQUEST' && /query/.test(bad.error.message));
    const unknown = await ipc.invoke(methodChannel('removeFolder'), { folder: 'never-added' });
    assert.ok('error' in unknown && unknown.error.code === 'UNKNOWN_FOLDER');
  });

  it('answers calls and forwards push events while a folder indexes', async () => {
    const repo = await copySampleRepo(path.join(work, 'repo'));
    const added = await ipc.invoke(methodChannel('addFolder'), { path: repo });
    assert.ok('result' in added);
    await service.idle();
    const status = await ipc.invoke(methodChannel('status'), {});
    assert.ok('result' in status);
    assert.equal((status.result as { folders: Array<{ files: number }> }).folders[0]!.files > 0, true);
    assert.ok(pushed.some((e) => e.event === 'progress'));
    assert.ok(pushed.some((e) => e.event === 'indexed' && e.payload.folder === 'repo'));
    const found = await ipc.invoke(methodChannel('search'), { requestId: 'ipc-1', query: 'parseHTTPRequest' });
    assert.ok('result' in found);
    assert.equal((found.result as { mode: string }).mode, 'lexical', 'no model: search falls back to lexical');
  });

  it('removes its handlers', () => {
    unregister();
    assert.equal(ipc.handlers.size, 0);
  });
});
