import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { QuarryError } from '../../shared/errors.js';
import packageJson from '../../../package.json' with { type: 'json' };

/** The Quarry version an engine and its clients must share: one protocol, the contract. */
export const QUARRY_VERSION: string = packageJson.version;

/** In the data directory: how to reach the process that owns it. */
export const ENDPOINT_FILE = 'engine.json';

const endpointSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  token: z.string().min(16),
  version: z.string(),
  /** Who owns the directory: the desktop app, `quarry serve`, or the background engine. */
  owner: z.enum(['app', 'serve', 'daemon']),
  startedAt: z.number(),
});
export type Endpoint = z.infer<typeof endpointSchema>;
export type Owner = Endpoint['owner'];

export function endpointFile(dataDir: string): string {
  return path.join(dataDir, ENDPOINT_FILE);
}

/** The endpoint file as written, or null when there is none or it is unreadable (a torn write is never seen: writes are atomic). */
export async function readEndpoint(dataDir: string): Promise<Endpoint | null> {
  const text = await fs.readFile(endpointFile(dataDir), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return endpointSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

/** Announces this process as the owner: written beside its place, readable by this user only, and renamed in. */
export async function publishEndpoint(dataDir: string, endpoint: Endpoint): Promise<void> {
  const file = endpointFile(dataDir);
  const staging = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(staging, JSON.stringify(endpoint), { mode: 0o600 });
  await fs.rename(staging, file);
}

/** Removes the endpoint file if it still names `pid`, so an owner never removes its successor's. */
export async function withdrawEndpoint(dataDir: string, pid: number): Promise<void> {
  const current = await readEndpoint(dataDir);
  if (current?.pid === pid) await fs.rm(endpointFile(dataDir), { force: true });
}

/**
 * Whether the endpoint's owner still runs: its process is alive, and the file was written since
 * this machine booted (after a crash and a reboot, its pid may belong to another process).
 */
export function ownerAlive(endpoint: Endpoint): boolean {
  const bootedAt = Date.now() - os.uptime() * 1000;
  return endpoint.startedAt >= bootedAt - 1000 && processAlive(endpoint.pid);
}

/** Whether a process with this id runs (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Asks a process to stop (SIGTERM: a background engine stops cleanly on it) and waits until it has exited. */
export async function stopProcess(pid: number, timeoutMs = 30_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  for (const deadline = Date.now() + timeoutMs; processAlive(pid); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new QuarryError('ENGINE_UNAVAILABLE', `Quarry's engine (pid ${pid}) did not stop within ${timeoutMs / 1000} s`);
  }
}

/** The owner in words, for messages. */
export function describeOwner(endpoint: Endpoint): string {
  return { app: 'desktop app', serve: 'browser mode (quarry serve)', daemon: 'background engine' }[endpoint.owner];
}
