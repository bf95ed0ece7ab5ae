import { spawn } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { QuarryError } from '../../shared/errors.js';
import { engineClient, type EngineClient } from './engine-client.js';
import { describeOwner, ownerAlive, processAlive, QUARRY_VERSION, readEndpoint, withdrawEndpoint, type Endpoint } from './endpoint.js';

export const START_LOCK_FILE = 'engine.lock';
export const ENGINE_LOG_FILE = 'engine.log';

export interface LaunchOptions {
  dataDir: string;
  /** What `quarry daemon run` is given beyond the data directory (models, device, budget...). */
  engineArgs: string[];
  /** Told once when no engine runs and one is being started. */
  onStarting?: () => void;
  /** How long a starting engine may take to open its store; default a minute. */
  startTimeoutMs?: number;
}

export interface ConnectedEngine {
  client: EngineClient;
  endpoint: Endpoint;
  /** This call started the engine. */
  started: boolean;
}

const POLL_MS = 20;
/** A start lock this old is left over from a crash: no start takes this long. */
const STALE_LOCK_MS = 120_000;

/**
 * A client of the engine that owns `dataDir`, starting a background engine when nothing owns it,
 * the way Watchman's and Gradle's clients start their daemons. Racing callers start exactly one:
 * the one that creates the start lock spawns it, the others wait for its endpoint file.
 */
export async function connectEngine(options: LaunchOptions): Promise<ConnectedEngine> {
  const { dataDir } = options;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  await fs.mkdir(dataDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new QuarryError('DATA_DIR_UNWRITABLE', `Cannot write to the data directory ${dataDir}: ${error.message}`);
  });
  let told = false;
  for (;;) {
    const running = await liveEndpoint(dataDir);
    if (running) return { client: engineClient(running), endpoint: running, started: false };
    if (!told) {
      options.onStarting?.();
      told = true;
    }
    const lock = await takeStartLock(dataDir);
    if (lock) {
      try {
        // Someone may have started one between the look and the lock.
        const raced = await liveEndpoint(dataDir);
        if (raced) return { client: engineClient(raced), endpoint: raced, started: false };
        const endpoint = await startEngine(options, deadline);
        return { client: engineClient(endpoint), endpoint, started: true };
      } finally {
        await fs.rm(lock, { force: true });
      }
    }
    if (Date.now() > deadline) throw new QuarryError('ENGINE_UNAVAILABLE', `No Quarry engine started for ${dataDir} in time (see ${path.join(dataDir, ENGINE_LOG_FILE)})`);
    await sleep(POLL_MS);
  }
}

/** The endpoint of the live owner of `dataDir`, of any version, clearing a dead owner's file; null when there is none. */
export async function ownerEndpoint(dataDir: string): Promise<Endpoint | null> {
  const endpoint = await readEndpoint(dataDir);
  if (!endpoint) return null;
  if (ownerAlive(endpoint)) return endpoint;
  await withdrawEndpoint(dataDir, endpoint.pid);
  return null;
}

/** The live owner's endpoint, if it speaks this version of the contract; one clear line if it does not. */
export async function liveEndpoint(dataDir: string): Promise<Endpoint | null> {
  const endpoint = await ownerEndpoint(dataDir);
  if (endpoint && endpoint.version !== QUARRY_VERSION) {
    throw new QuarryError(
      'ENGINE_VERSION',
      `Quarry's ${describeOwner(endpoint)} for ${dataDir} runs version ${endpoint.version} and this is ${QUARRY_VERSION}: stop it (\`quarry daemon stop\`, or quit the app) and try again`,
    );
  }
  return endpoint;
}

/**
 * The lock file's path if this process created it, null if another holds it (the data
 * directory exists). A stale lock is removed, for the next attempt to take.
 */
async function takeStartLock(dataDir: string): Promise<string | null> {
  const lock = path.join(dataDir, START_LOCK_FILE);
  try {
    await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
    return lock;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new QuarryError('DATA_DIR_UNWRITABLE', `Cannot write to the data directory ${dataDir}: ${(error as Error).message}`);
    }
    if (code !== 'EEXIST') throw error;
  }
  // Stale: its holder died, or it is older than any start takes (an empty lock is one being
  // written this instant, unless it is that old). Two waiters judging the same stale lock at
  // once could both remove it, the second removing the first's new one: a window of
  // microseconds, after a crash, that at worst starts a second engine which then fails to open.
  const [text, stat] = await Promise.all([fs.readFile(lock, 'utf8').catch(() => null), fs.stat(lock).catch(() => null)]);
  if (text === null || stat === null) return null;
  const holder = Number(text);
  if ((Number.isInteger(holder) && holder > 0 && !processAlive(holder)) || Date.now() - stat.mtimeMs > STALE_LOCK_MS) await fs.rm(lock, { force: true });
  return null;
}

/**
 * Holds the start lock while an owner the user started (the app, `quarry serve`) takes the
 * directory: clients that find no endpoint meanwhile wait for this one instead of starting a
 * background engine beside it. Returns the release.
 */
export async function holdStartLock(dataDir: string, timeoutMs = 60_000): Promise<() => Promise<void>> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(POLL_MS)) {
    const lock = await takeStartLock(dataDir);
    if (lock) return () => fs.rm(lock, { force: true });
    if (Date.now() > deadline) throw new QuarryError('DATABASE_LOCKED', `Another Quarry is starting an engine for ${dataDir}`);
  }
}

/** Spawns `quarry daemon run` detached, and waits for its endpoint file or its early exit. */
async function startEngine(options: LaunchOptions, deadline: number): Promise<Endpoint> {
  const { dataDir } = options;
  const logFile = path.join(dataDir, ENGINE_LOG_FILE);
  const log = openSync(logFile, 'a', 0o600);
  // The same entry and loader this process runs: the built CLI, or bin/quarry.js over the sources.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, 'daemon', 'run', '--data-dir', dataDir, ...options.engineArgs], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log); // the child has its own copy
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  child.unref();
  for (;;) {
    const endpoint = await readEndpoint(dataDir);
    if (endpoint && endpoint.pid === child.pid) return endpoint;
    if (exited !== null) {
      // It may have lost to an owner that started meanwhile (the app): then that one serves.
      const winner = await liveEndpoint(dataDir);
      if (winner) return winner;
      throw new QuarryError('ENGINE_UNAVAILABLE', `The Quarry engine did not start: ${await lastLine(logFile)}`);
    }
    if (Date.now() > deadline) throw new QuarryError('ENGINE_UNAVAILABLE', `The Quarry engine did not start in time (see ${logFile})`);
    await sleep(POLL_MS);
  }
}

async function lastLine(file: string): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').at(-1)?.replace(/^quarry: /, '') || `no reason given (see ${file})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
