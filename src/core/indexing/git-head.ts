import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The commit checked out in `root`, read from .git without running git; null outside a work tree. */
export async function readGitHead(root: string): Promise<string | null> {
  try {
    let gitDir = path.join(root, '.git');
    const stat = await fs.stat(gitDir);
    if (stat.isFile()) {
      // Worktrees and submodules: ".git" is a file "gitdir: <path>".
      const pointer = (await fs.readFile(gitDir, 'utf8')).trim().replace(/^gitdir:\s*/, '');
      gitDir = path.resolve(root, pointer);
    }
    const head = (await fs.readFile(path.join(gitDir, 'HEAD'), 'utf8')).trim();
    if (!head.startsWith('ref:')) return head;
    const ref = head.slice(4).trim();
    const commonDir = await fs.readFile(path.join(gitDir, 'commondir'), 'utf8').then(
      (d) => path.resolve(gitDir, d.trim()),
      () => gitDir,
    );
    for (const dir of [gitDir, commonDir]) {
      const loose = await fs.readFile(path.join(dir, ref), 'utf8').catch(() => null);
      if (loose) return loose.trim();
      const packed = await fs.readFile(path.join(dir, 'packed-refs'), 'utf8').catch(() => '');
      const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
      if (line) return line.split(' ')[0]!;
    }
    return null;
  } catch {
    return null;
  }
}
