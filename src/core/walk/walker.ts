import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import type { SkipReason } from '../../shared/types.js';
import { DEFAULT_IGNORE_RULES, IGNORE_FILE_NAMES, IgnoreRules } from './ignore-rules.js';

export interface WalkedFile {
  type: 'file';
  absPath: string;
  /** Relative to the walk root, forward slashes. */
  relPath: string;
  size: number;
  mtimeMs: number;
}

export interface WalkSkip {
  type: 'skip';
  relPath: string;
  reason: SkipReason;
  detail: string;
}

export type WalkItem = WalkedFile | WalkSkip;

export interface WalkOptions {
  /** Files larger than this are recorded as too large and never read. */
  maxFileBytes: number;
}

interface PendingDir {
  absPath: string;
  relPath: string; // '' for the root, else 'a/b/'
  realPath: string;
  ancestors: ReadonlySet<string>;
  rules: IgnoreRules;
}

/**
 * Walks a folder the way git sees it, yielding indexable files and recorded skips.
 * Symlinks are followed, but a directory already on the current path is reported as a loop and
 * one reached twice through different links is walked once. Unreadable or vanished entries are skipped.
 */
export async function* walkFolder(root: string, options: WalkOptions): AsyncGenerator<WalkItem> {
  const rootReal = await fs.realpath(root);
  const rootRules = IgnoreRules.root([DEFAULT_IGNORE_RULES, await readOptional(path.join(root, '.git', 'info', 'exclude'))]);
  const visited = new Set<string>([rootReal]);
  const stack: PendingDir[] = [{ absPath: root, relPath: '', realPath: rootReal, ancestors: new Set([rootReal]), rules: rootRules }];

  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir.absPath, { withFileTypes: true });
    } catch (error) {
      yield skipFor(dir.relPath || '.', error);
      continue;
    }
    const ruleTexts = await Promise.all(
      IGNORE_FILE_NAMES.filter((name) => entries.some((e) => e.name === name)).map((name) =>
        readOptional(path.join(dir.absPath, name)),
      ),
    );
    const rules = dir.rules.withDirectory(dir.relPath, ruleTexts.filter((t) => t.length > 0));

    const candidates = entries.filter((entry) => {
      const isDir = entry.isDirectory();
      return !rules.isIgnored(dir.relPath + entry.name, isDir);
    });
    const resolved = await Promise.all(candidates.map((entry) => resolveEntry(dir, entry)));
    const subdirs: PendingDir[] = [];
    for (const item of resolved) {
      if (item.type === 'dir') {
        if (rules.isIgnored(item.relPath.slice(0, -1), true)) continue;
        if (dir.ancestors.has(item.realPath)) {
          yield { type: 'skip', relPath: item.relPath, reason: 'symlink-loop', detail: `links back to ${item.realPath}` };
          continue;
        }
        if (visited.has(item.realPath)) continue; // the same directory reached through another link
        visited.add(item.realPath);
        subdirs.push({ ...item, ancestors: new Set([...dir.ancestors, item.realPath]), rules });
      } else if (item.type === 'file') {
        if (item.size > options.maxFileBytes) {
          yield {
            type: 'skip',
            relPath: item.relPath,
            reason: 'too-large',
            detail: `${item.size} bytes is over the ${options.maxFileBytes}-byte limit`,
          };
        } else {
          yield item;
        }
      } else {
        yield item;
      }
    }
    // Reverse so that the stack pops directories in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

type ResolvedEntry = WalkedFile | WalkSkip | { type: 'dir'; absPath: string; relPath: string; realPath: string };

async function resolveEntry(dir: PendingDir, entry: Dirent): Promise<ResolvedEntry> {
  const absPath = path.join(dir.absPath, entry.name);
  const relPath = dir.relPath + entry.name;
  try {
    if (entry.isDirectory()) {
      return { type: 'dir', absPath, relPath: relPath + '/', realPath: path.join(dir.realPath, entry.name) };
    }
    const stat = await fs.stat(absPath); // follows symlinks
    if (stat.isDirectory()) {
      return { type: 'dir', absPath, relPath: relPath + '/', realPath: await fs.realpath(absPath) };
    }
    if (!stat.isFile()) return { type: 'skip', relPath, reason: 'not-a-file', detail: 'device, socket or pipe' };
    return { type: 'file', absPath, relPath, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
  } catch (error) {
    return skipFor(relPath, error);
  }
}

/** Maps a file system error to a recorded skip. */
export function skipFor(relPath: string, error: unknown): WalkSkip {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  if (code === 'ENOENT') return { type: 'skip', relPath, reason: 'vanished', detail: 'removed while indexing' };
  if (code === 'ELOOP') return { type: 'skip', relPath, reason: 'symlink-loop', detail: 'too many levels of symbolic links' };
  return { type: 'skip', relPath, reason: 'unreadable', detail: `${code}: ${(error as Error).message}` };
}

async function readOptional(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return '';
  }
}
