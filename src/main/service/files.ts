import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../core/engine.js';
import { languageOf } from '../../core/files/language.js';
import type { FilePreview, MethodInput, QuarryApi } from '../../shared/contract.js';
import { QuarryError } from '../../shared/errors.js';
import type { SettingsStore } from '../settings-store.js';
import { requireDesktop, type DesktopHooks } from './desktop.js';

/** Lines of context the preview shows on each side of the requested line. */
const PREVIEW_CONTEXT_LINES = 200;
/** Files larger than this are previewed from their first bytes only. */
const PREVIEW_MAX_BYTES = 4 * 1024 * 1024;

/** Previews, opens and reveals files of the added folders, and refuses any path that resolves outside its folder. */
export class FolderFiles implements Pick<QuarryApi, 'preview' | 'openInEditor' | 'revealInFolder'> {
  constructor(
    private readonly engine: Engine,
    private readonly settingsStore: SettingsStore,
    private readonly desktop: DesktopHooks | null,
  ) {}

  /** The text around a line of a file Quarry indexes; what the ignore rules leave out (secrets in .env, say) is not shown. */
  async preview(ref: MethodInput<'preview'>): Promise<FilePreview> {
    const file = await this.fileInFolder(ref.folder, ref.path);
    const folder = await this.engine.resolveFolder(ref.folder);
    const relPath = path.relative(folder.root, file).split(path.sep).join('/');
    if (this.engine.unignored(folder, [relPath]).length === 0) throw new QuarryError('FILE_NOT_FOUND', `${ref.path} is left out by ${folder.name}'s ignore rules`);
    const handle = await fs.open(file, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(Math.min((await handle.stat()).size, PREVIEW_MAX_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const all = text.replace(/\r\n?/g, '\n').split('\n');
    const focus = Math.min(ref.line ?? 1, all.length);
    const first = Math.max(1, focus - PREVIEW_CONTEXT_LINES);
    return {
      folder: ref.folder,
      path: ref.path,
      language: languageOf(ref.path),
      firstLine: first,
      lines: all.slice(first - 1, focus + PREVIEW_CONTEXT_LINES),
      totalLines: all.length,
    };
  }

  async openInEditor(ref: MethodInput<'openInEditor'>): Promise<null> {
    const file = await this.fileInFolder(ref.folder, ref.path);
    const { editorCommand } = await this.settingsStore.read();
    if (editorCommand.trim() === '') {
      await requireDesktop(this.desktop, 'Opening with the default application (set an editor command in Settings)').openPath(file);
      return null;
    }
    // Split before substituting, so a path with spaces stays one argument; no shell is involved.
    const [command, ...args] = editorCommand.trim().split(/\s+/).map((part) =>
      part.replaceAll('{file}', file).replaceAll('{line}', String(ref.line ?? 1)),
    );
    await new Promise<void>((resolve, reject) => {
      const child = spawn(command!, args, { detached: true, stdio: 'ignore' });
      child.once('error', (error) => reject(new QuarryError('EDITOR_FAILED', `Could not run "${command}": ${error.message}`)));
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
    });
    return null;
  }

  async revealInFolder(ref: MethodInput<'revealInFolder'>): Promise<null> {
    const file = await this.fileInFolder(ref.folder, ref.path);
    requireDesktop(this.desktop, 'Revealing a file in the file manager').revealInFolder(file);
    return null;
  }

  /** The absolute path of a file inside an added folder; anything resolving outside it is refused. */
  private async fileInFolder(folderName: string, relPath: string): Promise<string> {
    const folder = await this.engine.resolveFolder(folderName);
    const real = await fs.realpath(path.resolve(folder.root, relPath)).catch(() => null);
    if (real === null) throw new QuarryError('FILE_NOT_FOUND', `${relPath} no longer exists in ${folder.name}`);
    if (!real.startsWith(folder.root + path.sep)) throw new QuarryError('FILE_NOT_FOUND', `${relPath} is not inside ${folder.name}`);
    return real;
  }
}
