import fs, { type Dirent } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import path from 'node:path';
import type { SkipReason } from '../../shared/types.js';
import { IGNORE_FILE_NAMES, IgnoreRules } from './ignore-rules.js';

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
  /** Walk only this directory of the root ('a/b/'), with the ignore rules of its ancestors. */
  under?: string;
  /** The user's own rules (gitignore syntax) for every folder: after the defaults, before the folder's files. */
  userRules?: readonly string[];
}

/** A path that no longer exists (for incremental updates). */
export interface WalkGone {
  type: 'gone';
  relPath: string;
}

interface PendingDir {
  absPath: string;
  relPath: string; // '' for the root, else 'a/b/'
  realPath: string;
  ancestors: ReadonlySet<string>;
  rules: IgnoreRules;
}

/** Longest stretch of synchronous file system work before the walk lets other work run. */
const SLICE_MS = 8;

/**
 * Walks a folder the way git sees it, yielding indexable files and recorded skips.
 * Symlinks are followed, but a directory already on the current path is reported as a loop and
 * one reached twice through different links is walked once. Unreadable or vanished entries are skipped.
 *
 * File system calls are synchronous (an async call per entry is latency-bound and measured 8x
 * slower), in slices of a few milliseconds between which the event loop runs.
 */
export async function* walkFolder(root: string, options: WalkOptions): AsyncGenerator<WalkItem> {
  const start = options.under ?? '';
  const absStart = path.join(root, start);
  const startReal = fs.realpathSync(absStart);
  const ancestors = new AncestorRules(root, options.userRules ?? []);
  // The rules in force above the start directory; its own rule files are read as it is walked.
  const parentRules = start === '' ? ancestors.base : ancestors.rulesIn(parentOf(start));
  if (!parentRules || (start !== '' && parentRules.isIgnored(start.slice(0, -1), true))) return;
  const visited = new Set<string>([startReal]);
  const stack: PendingDir[] = [{ absPath: absStart, relPath: start, realPath: startReal, ancestors: new Set([startReal]), rules: parentRules }];
  let sliceStart = performance.now();

  while (stack.length > 0) {
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const dir = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = fs.readdirSync(dir.absPath, { withFileTypes: true });
    } catch (error) {
      yield skipFor(dir.relPath || '.', error);
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const ruleTexts: string[] = [];
    for (const name of IGNORE_FILE_NAMES) if (entries.some((e) => e.name === name)) ruleTexts.push(readOptional(path.join(dir.absPath, name)));
    const rules = dir.rules.withDirectory(dir.relPath, ruleTexts);

    const subdirs: PendingDir[] = [];
    for (const entry of entries) {
      if (rules.isIgnored(dir.relPath + entry.name, entry.isDirectory())) continue;
      const item = resolveEntry(dir, entry);
      if (item.type === 'dir') {
        // A symlink to a directory was tested as a file above; test it again as what it is.
        if (entry.isSymbolicLink() && rules.isIgnored(item.relPath.slice(0, -1), true)) continue;
        if (dir.ancestors.has(item.realPath)) {
          yield { type: 'skip', relPath: item.relPath, reason: 'symlink-loop', detail: `links back to ${item.realPath}` };
          continue;
        }
        if (visited.has(item.realPath)) continue; // the same directory reached through another link
        visited.add(item.realPath);
        subdirs.push({ ...item, ancestors: new Set([...dir.ancestors, item.realPath]), rules });
      } else if (item.type === 'file' && item.size > options.maxFileBytes) {
        yield {
          type: 'skip',
          relPath: item.relPath,
          reason: 'too-large',
          detail: `${item.size} bytes is over the ${options.maxFileBytes}-byte limit`,
        };
      } else {
        yield item;
      }
    }
    // Reverse so that the stack pops directories in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

/** What to walk: a whole folder, or only the paths a watcher reported changed. */
export interface WalkRequest {
  root: string;
  maxFileBytes: number;
  changed?: string[];
  userRules?: readonly string[];
}

const WALK_BATCH_ITEMS = 256;

/**
 * The walk a request asks for, in batches (so that a walk on another thread costs one message
 * per batch). A batch is also cut short when the walk pauses between slices, so work found
 * early is never held back waiting for more.
 */
export async function* walkInBatches(request: WalkRequest): AsyncGenerator<Array<WalkItem | WalkGone>> {
  const options = { maxFileBytes: request.maxFileBytes, userRules: request.userRules ?? [] };
  const items = request.changed ? walkChanged(request.root, request.changed, options) : walkFolder(request.root, options);
  let batch: Array<WalkItem | WalkGone> = [];
  let cut = performance.now() + SLICE_MS;
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= WALK_BATCH_ITEMS || performance.now() > cut) {
      yield batch;
      batch = [];
      cut = performance.now() + SLICE_MS;
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * What became of changed paths (from a file watcher): files to index, skips, directories walked
 * whole, and paths that are gone. Paths under ignored directories, or ignored themselves, are left out.
 */
export async function* walkChanged(root: string, relPaths: Iterable<string>, options: WalkOptions): AsyncGenerator<WalkItem | WalkGone> {
  const rules = new AncestorRules(root, options.userRules ?? []);
  for (const relPath of relPaths) {
    const absPath = path.join(root, relPath);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') yield { type: 'gone', relPath };
      else yield skipFor(relPath, error);
      continue;
    }
    if (rules.ignores(relPath, stat.isDirectory())) continue;
    if (stat.isDirectory()) {
      yield* walkFolder(root, { ...options, under: `${relPath}/` });
    } else if (!stat.isFile()) {
      yield { type: 'skip', relPath, reason: 'not-a-file', detail: 'device, socket or pipe' };
    } else if (stat.size > options.maxFileBytes) {
      yield { type: 'skip', relPath, reason: 'too-large', detail: `${stat.size} bytes is over the ${options.maxFileBytes}-byte limit` };
    } else {
      yield { type: 'file', absPath, relPath, size: stat.size, mtimeMs: Math.floor(stat.mtimeMs) };
    }
  }
}

/**
 * Of the paths a watcher reported changed, those a walk would look at: not ignored, nor inside an
 * ignored directory. A build writing to dist/, say, then queues no work. A path that is gone is
 * judged as a file (its directory's rules still apply).
 */
export function unignoredPaths(root: string, relPaths: readonly string[], userRules: readonly string[]): string[] {
  const rules = new AncestorRules(root, userRules);
  return relPaths.filter((relPath) => {
    let isDirectory = false;
    try {
      isDirectory = fs.statSync(path.join(root, relPath)).isDirectory();
    } catch {
      // gone, or unreadable: the walk records it either way
    }
    return !rules.ignores(relPath, isDirectory);
  });
}

/** The directory part of a relative path, with its trailing slash ('' at the root). */
function parentOf(relPath: string): string {
  const trimmed = relPath.endsWith('/') ? relPath.slice(0, -1) : relPath;
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
}

/** Ignore rules in force inside any directory of a root, built from its ancestors' rule files and cached. */
class AncestorRules {
  private readonly cache = new Map<string, IgnoreRules | null>();
  /** Defaults, the user's rules and .git/info/exclude: what applies before any .gitignore. */
  readonly base: IgnoreRules;

  constructor(
    private readonly root: string,
    userRules: readonly string[],
  ) {
    this.base = IgnoreRules.root([userRules, readOptional(path.join(root, '.git', 'info', 'exclude'))]);
  }

  /** Whether a path is ignored, itself or by being inside an ignored directory. */
  ignores(relPath: string, isDirectory: boolean): boolean {
    const inParent = this.rulesIn(parentOf(relPath));
    return !inParent || inParent.isIgnored(relPath, isDirectory);
  }

  /** Rules for the entries of directory `relDir` ('' or 'a/b/'), or null when the directory is ignored. */
  rulesIn(relDir: string): IgnoreRules | null {
    const known = this.cache.get(relDir);
    if (known !== undefined) return known;
    let rules: IgnoreRules | null;
    if (relDir === '') {
      rules = this.base;
    } else {
      const parent = this.rulesIn(parentOf(relDir));
      rules = parent && !parent.isIgnored(relDir.slice(0, -1), true) ? parent : null;
    }
    if (rules) {
      const texts = IGNORE_FILE_NAMES.map((name) => readOptional(path.join(this.root, relDir, name))).filter((t) => t.length > 0);
      rules = rules.withDirectory(relDir, texts);
    }
    this.cache.set(relDir, rules);
    return rules;
  }
}

type ResolvedEntry = WalkedFile | WalkSkip | { type: 'dir'; absPath: string; relPath: string; realPath: string };

function resolveEntry(dir: PendingDir, entry: Dirent): ResolvedEntry {
  const absPath = path.join(dir.absPath, entry.name);
  const relPath = dir.relPath + entry.name;
  try {
    if (entry.isDirectory()) {
      return { type: 'dir', absPath, relPath: relPath + '/', realPath: path.join(dir.realPath, entry.name) };
    }
    const stat = fs.statSync(absPath); // follows symlinks
    if (stat.isDirectory()) {
      return { type: 'dir', absPath, relPath: relPath + '/', realPath: fs.realpathSync(absPath) };
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

function readOptional(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
