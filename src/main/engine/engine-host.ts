import { promises as fs } from 'node:fs';
import type { ModelSource } from '../../core/embedding/model-download.js';
import { QuarryError } from '../../shared/errors.js';
import { openEngine, type QuarryConfig } from '../compose.js';
import { serveHttp, type HttpServer } from '../http-transport.js';
import { QuarryService, type DesktopHooks } from '../service.js';
import { SettingsStore } from '../settings-store.js';
import { engineClient } from './engine-client.js';
import { holdStartLock } from './engine-launcher.js';
import { describeOwner, ownerAlive, processAlive, publishEndpoint, QUARRY_VERSION, readEndpoint, stopProcess, withdrawEndpoint, type Endpoint, type Owner } from './endpoint.js';

export interface HostOptions {
  /** Engine settings; the model, budget and ignore rules default to the saved settings. */
  config: QuarryConfig;
  owner: Owner;
  source: ModelSource;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The built renderer, for browser mode. */
  rendererDir?: string;
  /** Stop after this long without a call, an open event stream or indexing work; null never does. */
  idleMs?: number | null;
  /** Ask an engine that owns the directory to stop, and take over from it (the app does). */
  takeOver?: boolean;
  /** Whether a client may stop this engine (`stopEngine`, `quarry daemon stop`); the app says no. Default yes. */
  acceptsStop?: boolean;
  desktop?: DesktopHooks | null;
}

export interface EngineHost {
  service: QuarryService;
  server: HttpServer;
  endpoint: Endpoint;
  /** Settles once the engine has stopped and let go of the directory. */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

/** How often an idle engine checks whether it may stop. */
const IDLE_CHECK_MS = 1000;
/** How long a previous owner gets to hand the directory over. */
const HAND_OVER_MS = 30_000;

/**
 * Makes this process the owner of a data directory: the engine, the service over it, the HTTP
 * transport on loopback, and the endpoint file that tells clients where to find them. One process
 * per directory: an owner that is alive is never opened beside, a dead one's file is cleared.
 */
export async function hostEngine(options: HostOptions): Promise<EngineHost> {
  const { dataDir } = options.config;
  await fs.mkdir(dataDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new QuarryError('DATA_DIR_UNWRITABLE', `Cannot write to the data directory ${dataDir}: ${error.message}`);
  });
  // A background engine is spawned by a client that holds the start lock already.
  const releaseLock = options.owner === 'daemon' ? null : await holdStartLock(dataDir);
  try {
    return await becomeOwner(options, dataDir);
  } finally {
    await releaseLock?.();
  }
}

async function becomeOwner(options: HostOptions, dataDir: string): Promise<EngineHost> {
  await claimDirectory(dataDir, options.takeOver ?? false);

  const settingsStore = new SettingsStore(dataDir);
  const settings = await settingsStore.read();
  const opened = await openEngine({
    ignoreRules: settings.ignoreRules,
    modelId: settings.modelId,
    fastModelId: settings.fastModelId,
    embedEverything: settings.embedEverything,
    budget: settings.budget,
    // The app indexes from its start. A background engine or browser mode is mostly started to
    // answer a command: its chunk workers start with the first task, not beside the store's open
    // (time to its endpoint on babel: about 870 ms against 970 ms).
    indexing: options.owner === 'app',
    ...options.config,
  });
  let stopping: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let lastActivity = Date.now();
  const service = new QuarryService(
    opened.engine,
    settingsStore,
    options.desktop ?? null,
    { ...opened.model, source: options.source },
    options.acceptsStop === false ? {} : { onStopRequested: () => void stop() },
  );
  let server: HttpServer;
  try {
    server = await serveHttp(service, {
      port: options.port ?? 0,
      ...(options.rendererDir ? { rendererDir: options.rendererDir } : {}),
      onRequest: () => (lastActivity = Date.now()),
      metrics: async () => (await service.prometheusMetrics()).text,
    });
  } catch (error) {
    await opened.close();
    throw error;
  }
  const endpoint: Endpoint = { pid: process.pid, port: server.port, token: server.token, version: QUARRY_VERSION, owner: options.owner, startedAt: Date.now() };
  try {
    await publishEndpoint(dataDir, endpoint);
    await service.start();
  } catch (error) {
    await withdrawEndpoint(dataDir, process.pid);
    await server.close();
    await service.stop();
    await opened.close();
    throw error;
  }

  const idleMs = options.idleMs ?? null;
  const idleTimer = idleMs === null ? null : setInterval(() => {
    const busy = server.openStreams() > 0 || service.busy();
    if (busy) lastActivity = Date.now();
    else if (Date.now() - lastActivity >= idleMs) void stop();
  }, Math.min(IDLE_CHECK_MS, idleMs));

  function stop(): Promise<void> {
    stopping ??= (async () => {
      if (idleTimer) clearInterval(idleTimer);
      // The file goes first: a client that finds none starts a new engine rather than call this one.
      await withdrawEndpoint(dataDir, process.pid);
      await server.close();
      await service.stop();
      await opened.close();
      resolveStopped();
    })();
    return stopping;
  }
  return { service, server, endpoint, stopped, stop };
}

/**
 * Clears the way to own `dataDir`: a dead owner's endpoint file is removed; a live owner is asked
 * to hand over (with `takeOver`) or refused with a clear message.
 */
async function claimDirectory(dataDir: string, takeOver: boolean): Promise<void> {
  const current = await readEndpoint(dataDir);
  if (!current || current.pid === process.pid) return;
  if (!ownerAlive(current)) {
    await withdrawEndpoint(dataDir, current.pid);
    return;
  }
  if (!takeOver) {
    throw new QuarryError('DATABASE_LOCKED', `Quarry's ${describeOwner(current)} (pid ${current.pid}) already owns ${dataDir}; use it, or stop it with \`quarry daemon stop\``);
  }
  if (current.owner === 'daemon') {
    // A signal works across versions, as a call might not.
    await stopProcess(current.pid, HAND_OVER_MS);
    return;
  }
  const client = engineClient(current);
  await client.stopEngine({}).catch(() => undefined); // it may already be on its way out
  client.close();
  // Gone when its process has exited: until then it may still hold the database.
  const deadline = Date.now() + HAND_OVER_MS;
  while (processAlive(current.pid)) {
    if (Date.now() > deadline) throw new QuarryError('DATABASE_LOCKED', `Quarry's ${describeOwner(current)} (pid ${current.pid}) did not hand ${dataDir} over`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
