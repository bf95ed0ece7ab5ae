// Timing helpers the benchmarks share: commands run to their end, peers that may be missing, and
// the fixed references our figures are divided by.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** True when `command` is on the PATH. */
export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

/** Wall time of a command run to its end; throws when it fails. */
export function wall(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, stdio: 'ignore', maxBuffer: 1 << 30 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return performance.now() - started;
}

/** Wall time of a peer's command, or null when the peer is not installed; a peer's own exit code is its business (csearch exits 1 on no match). */
export function timePeer(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number | null {
  const started = performance.now();
  const result = spawnSync(command, args, { env: { ...process.env, ...env }, stdio: 'ignore', maxBuffer: 1 << 30 });
  if (result.error) return null;
  return performance.now() - started;
}

/** Wall time of `node -e 0`: starting a Node process, the floor of any CLI command. */
export function nodeStartMs(): number {
  return wall(process.execPath, ['-e', '0']);
}

let sink = 0;
/**
 * A fixed CPU-bound reference: `units` rounds of FNV-1a over 64 KiB of fixed bytes, in this
 * thread (about 0.1 ms a unit here). It does the same work on every machine and build, so our
 * time divided by it is a figure that a slower or busier machine leaves about where it is.
 */
export function cpuReferenceMs(units: number): number {
  const started = performance.now();
  for (let u = 0; u < units; u++) {
    let hash = 0x811c9dc5 ^ u;
    for (let i = 0; i < 65_536; i++) hash = Math.imul(hash ^ (i & 0xff), 0x01000193);
    sink ^= hash;
  }
  if (sink === 0.5) console.log(sink); // never true: keeps the loop from being optimized away
  return performance.now() - started;
}

/** A live process's resident memory now and its peak so far, in MB (Linux). */
export function processMemoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}
