import path from 'node:path';
import watcher, { type Event } from '@parcel/watcher';

/** Directories no index ever wants; ignored at the watcher itself to spare it the event storms. */
const WATCHER_IGNORES = ['.git', 'node_modules', '.hg', '.svn'];

/** Changed paths, relative to the root with forward slashes, from a batch of watcher events. */
function relativePaths(root: string, events: readonly Event[]): string[] {
  const paths = new Set<string>();
  for (const event of events) {
    const rel = path.relative(root, event.path).split(path.sep).join('/');
    if (rel !== '' && !rel.startsWith('..')) paths.add(rel);
  }
  return [...paths];
}

/**
 * Yields batches of changed paths under `root` as files are created, edited, deleted or renamed,
 * gathering events for `quietMs` after the first so that a save or a checkout becomes one batch.
 */
export async function* watchChanges(root: string, signal: AbortSignal, quietMs = 100): AsyncGenerator<string[]> {
  let pending: Event[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  const subscription = await watcher.subscribe(
    root,
    (error, events) => {
      if (error) failure = error;
      else pending.push(...events);
      wake?.();
    },
    { ignore: WATCHER_IGNORES },
  );
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    while (!signal.aborted) {
      if (pending.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopped]);
      if (failure) throw failure;
      if (signal.aborted) break;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, quietMs)), stopped]);
      const batch = relativePaths(root, pending);
      pending = [];
      if (batch.length > 0) yield batch;
    }
  } finally {
    await subscription.unsubscribe();
  }
}

/** The prefix of the files a watcher's owner writes to learn that every earlier change has reached it. */
export const COOKIE_PREFIX = '.quarry-cookie-';

/** Whether a changed path is a watcher cookie, not a change of the user's. */
export function isCookie(relPath: string): boolean {
  return relPath.startsWith(COOKIE_PREFIX);
}

/** Whether a changed path holds ignore rules: a change to it can change what every other path means. */
export function isIgnoreFile(relPath: string): boolean {
  const name = relPath.slice(relPath.lastIndexOf('/') + 1);
  return name === '.gitignore' || name === '.quarryignore';
}

/** Records the state of `root`, so that changes made while Quarry is closed can be asked for later. */
export async function writeSnapshot(root: string, snapshotFile: string): Promise<void> {
  await watcher.writeSnapshot(root, snapshotFile, { ignore: WATCHER_IGNORES });
}

/** Paths changed under `root` since the snapshot was written. */
export async function changesSince(root: string, snapshotFile: string): Promise<string[]> {
  return relativePaths(root, await watcher.getEventsSince(root, snapshotFile, { ignore: WATCHER_IGNORES }));
}
