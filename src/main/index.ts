// The desktop shell: window, tray, menu and the IPC transport around one QuarryService. Kept thin
// (everything it shows comes from the service) because the Electron binary cannot run in CI.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, shell, Tray } from 'electron';
import { EVENT_CHANNEL, type AlertStatus, type IndexingState } from '../shared/contract.js';
import { formatAlertLine } from '../shared/format.js';
import type { IndexProgress } from '../shared/types.js';
import { DEFAULT_MODEL_SOURCE } from '../core/embedding/model-download.js';
import { defaultDataDir } from './data-dir.js';
import { forwardEvents, registerIpcHandlers } from './ipc-transport.js';
import { hostEngine, type EngineHost } from './engine/engine-host.js';
import type { QuarryService, DesktopHooks } from './service.js';
import { SettingsStore } from './settings-store.js';
import { tintTrayBitmap, trayStatus, type TrayState } from './tray-status.js';

const RESOURCES = path.join(import.meta.dirname, '../../resources');
const RENDERER_FILE = path.join(import.meta.dirname, '../renderer/index.html');
/** The tray is redrawn at most this often while progress streams in. */
const TRAY_REFRESH_MS = 1000;

interface WindowBounds {
  width: number;
  height: number;
  x?: number;
  y?: number;
}

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;

if (!app.requestSingleInstanceLock()) app.quit();
else void app.whenReady().then(start);

async function start(): Promise<void> {
  const dataDir = process.env.QUARRY_DATA_DIR ?? defaultDataDir();
  const settingsStore = new SettingsStore(dataDir);
  const source = { endpoint: process.env.QUARRY_MODEL_ENDPOINT ?? DEFAULT_MODEL_SOURCE.endpoint, repo: DEFAULT_MODEL_SOURCE.repo };
  let host: EngineHost;
  try {
    // The app owns the data directory while it runs: a background engine hands it over, and the
    // CLI and agents become clients of this process (its loopback endpoint) instead.
    host = await hostEngine({
      config: {
        dataDir,
        ...(process.env.QUARRY_MODELS_DIR ? { modelsDir: process.env.QUARRY_MODELS_DIR } : {}),
        ...(process.env.QUARRY_MODEL ? { modelId: process.env.QUARRY_MODEL } : {}),
      },
      owner: 'app',
      source,
      idleMs: null,
      takeOver: true,
      acceptsStop: false,
      desktop: desktopHooks(),
    });
  } catch (error) {
    dialog.showErrorBox('Quarry cannot open its index', (error as Error).message);
    app.quit();
    return;
  }
  const { service } = host;
  registerIpcHandlers(ipcMain, service, isQuarryPage);
  forwardEvents(service, (message) => window?.webContents.send(EVENT_CHANNEL, message));
  setUpTray(service);
  Menu.setApplicationMenu(appMenu(service));
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  // macOS: folders dropped on the dock icon.
  app.on('open-file', (event, file) => {
    event.preventDefault();
    addDroppedFolder(service, file);
  });
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    event.preventDefault();
    void host.stop().finally(() => app.exit(0));
  });
  await createWindow(dataDir, settingsStore);
}

/** A folder dropped on the dock or tray icon; a file, or anything that fails, gets a dialog saying why. */
function addDroppedFolder(service: QuarryService, file: string): void {
  void service.addFolder({ path: file }).catch((error: Error) => dialog.showErrorBox('Quarry', error.message));
}

function desktopHooks(): DesktopHooks {
  return {
    pickFolder: async () => {
      const options: Electron.OpenDialogOptions = { title: 'Add a folder to Quarry', properties: ['openDirectory'] };
      const chosen = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
      return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
    },
    revealInFolder: (file) => shell.showItemInFolder(file),
    openPath: async (file) => {
      const failure = await shell.openPath(file);
      if (failure) throw new Error(failure);
    },
  };
}

/** Only Quarry's own page may call the API: the built file, or the dev server in development. */
function isQuarryPage(url: string): boolean {
  if (process.env.ELECTRON_RENDERER_URL) return new URL(url).origin === new URL(process.env.ELECTRON_RENDERER_URL).origin;
  return url === pathToFileURL(RENDERER_FILE).href;
}

async function createWindow(dataDir: string, settingsStore: SettingsStore): Promise<void> {
  const boundsFile = path.join(dataDir, 'window.json');
  const saved = (await fs.readFile(boundsFile, 'utf8').then(JSON.parse, () => null)) as WindowBounds | null;
  window = new BrowserWindow({
    width: saved?.width ?? 1200,
    height: saved?.height ?? 780,
    ...(saved?.x !== undefined && saved.y !== undefined ? { x: saved.x, y: saved.y } : {}),
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Quarry',
    icon: path.join(RESOURCES, 'icon.png'),
    webPreferences: {
      preload: path.join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  window.on('ready-to-show', () => window?.show());
  // Links leave only through the system browser, and only for http(s); the window never navigates away.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.on('close', (event) => {
    if (!window || quitting) return;
    void fs.writeFile(boundsFile, JSON.stringify(window.getBounds())).catch(() => undefined);
    // Closing keeps indexing in the tray when the user asked for that.
    void settingsStore.read().then((settings) => {
      if (!settings.keepRunningInTray) app.quit();
    });
    event.preventDefault();
    window.hide();
  });
  if (process.env.ELECTRON_RENDERER_URL) await window.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await window.loadFile(RENDERER_FILE);
}

function showWindow(): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

function setUpTray(service: QuarryService): void {
  const idle = nativeImage.createFromPath(path.join(RESOURCES, 'tray.png'));
  const size = idle.getSize();
  const icons = new Map<TrayState, Electron.NativeImage>();
  const iconFor = (state: TrayState): Electron.NativeImage => {
    let icon = icons.get(state);
    if (!icon) {
      icon = state === 'idle' ? idle : nativeImage.createFromBitmap(Buffer.from(tintTrayBitmap(idle.toBitmap(), state)), size);
      icons.set(state, icon);
    }
    return icon;
  };
  tray = new Tray(idle);
  const progress = new Map<string, IndexProgress>();
  let indexing: IndexingState = { paused: false, jobs: [] };
  const alerts = new Map<string, AlertStatus>();
  let timer: NodeJS.Timeout | null = null;
  const redraw = (): void => {
    timer = null;
    const status = trayStatus(indexing, progress, [...alerts.values()]);
    tray?.setImage(iconFor(status.state));
    tray?.setToolTip(status.text);
    tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: status.text, enabled: false },
        { type: 'separator' },
        indexing.paused
          ? { label: 'Resume indexing', click: () => void service.resume({}) }
          : { label: 'Pause indexing', click: () => void service.pause({}) },
        { label: 'Open Quarry', click: showWindow },
        {
          label: 'Folders',
          submenu: indexing.jobs.length
            ? indexing.jobs.map((job) => ({ label: `${job.folder}: ${job.state}`, enabled: false }))
            : [{ label: 'No indexing this session', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Quit Quarry', click: () => app.quit() },
      ]),
    );
  };
  const schedule = (): void => {
    timer ??= setTimeout(redraw, TRAY_REFRESH_MS);
  };
  service.on('indexing', (state) => {
    indexing = state;
    schedule();
  });
  service.on('progress', (p) => {
    progress.set(p.folder, p);
    schedule();
  });
  service.on('alert', (alert) => {
    const before = alerts.get(alert.rule.id);
    alerts.set(alert.rule.id, alert);
    schedule();
    // The OS notification: once per firing, not again when it is acknowledged.
    if (alert.state === 'firing' && alert.acknowledgedAt === null && before?.state !== 'firing' && Notification.isSupported()) {
      const notification = new Notification({ title: `Quarry alert: ${alert.rule.name}`, body: formatAlertLine(alert) });
      notification.on('click', showWindow);
      notification.show();
    }
  });
  tray.on('click', showWindow);
  // macOS: folders dropped on the tray icon.
  tray.on('drop-files', (_event, files) => {
    for (const file of files) addDroppedFolder(service, file);
  });
  redraw();
}

function appMenu(service: QuarryService): Menu {
  return Menu.buildFromTemplate([
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Add Folder…', accelerator: 'CmdOrCtrl+O', click: () => void service.pickFolder().catch((error: Error) => dialog.showErrorBox('Quarry', error.message)) },
        { type: 'separator' },
        { label: 'Pause Indexing', click: () => void service.pause({}) },
        { label: 'Resume Indexing', click: () => void service.resume({}) },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ]);
}
