import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addNastyFiles, copySampleRepo, tempDir, writeFile, writeFiles } from '../../../test/support/fixtures.js';
import type { FileOutcome } from '../indexing/process-file.js';
import { walkFolder, type WalkItem } from './walker.js';

async function walk(root: string, maxFileBytes = 1024 * 1024, userRules: string[] = []): Promise<WalkItem[]> {
  const items: WalkItem[] = [];
  for await (const item of walkFolder(root, { maxFileBytes, userRules })) items.push(item);
  return items;
}

/** The files a walk yields, in walk order. */
async function walkedFiles(root: string, userRules: string[] = []): Promise<string[]> {
  return (await walk(root, 1024 * 1024, userRules)).filter((i) => i.type === 'file').map((i) => i.relPath);
}

/** Runs `test` in a fresh temporary directory, removed afterwards. */
async function inTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempDir();
  try {
    await test(dir);
  } finally {
    await cleanup();
  }
}

describe('walkFolder', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let items: WalkItem[];
  const files = (): string[] => items.filter((i) => i.type === 'file').map((i) => i.relPath).sort();
  const skips = (): Map<string, string> => new Map(items.flatMap((i) => (i.type === 'skip' ? [[i.relPath, i.reason]] : [])));

  before(async () => {
    ({ dir: root, cleanup } = await tempDir());
    await copySampleRepo(root);
    await addNastyFiles(root);
    items = await walk(root);
  });
  after(() => cleanup());

  it('finds the source files of every language', () => {
    for (const file of ['src/http/request-parser.ts', 'server/main.go', 'engine/src/lib.rs', 'native/matrix.cpp', 'docs/guide.md']) {
      assert.ok(files().includes(file), `${file} should be walked`);
    }
  });

  it('honours .gitignore at every level, with negation', () => {
    assert.ok(files().includes('logs/keep.log'), 'nested !keep.log re-includes the file');
    assert.ok(!files().includes('logs/drop.log'), '*.log from the root .gitignore applies below');
    assert.ok(!files().some((f) => f.startsWith('generated/')));
  });

  it('honours .quarryignore, .git/info/exclude and the defaults', () => {
    assert.ok(!files().some((f) => f.startsWith('private/')));
    assert.ok(!files().includes('local-only.txt'));
    assert.ok(!files().some((f) => f.startsWith('node_modules/') || f.startsWith('.git/')));
    assert.ok(!files().includes('package-lock.json'));
  });

  it('records oversized files without reading them, and a symlink loop once', () => {
    assert.equal(skips().get('vendor/huge-bundle.js'), 'too-large');
    assert.equal(skips().get('loop/back-to-root/'), 'symlink-loop');
    // The loop is not followed: no file appears twice under the link.
    assert.ok(!files().some((f) => f.startsWith('loop/')));
  });

  it('walks in a stable order', async () => {
    const again = await walk(root);
    assert.deepEqual(again.map((i) => i.relPath), items.map((i) => i.relPath));
  });

  it('lets a .quarryignore negation bring back a folder the defaults leave out', () =>
    inTempDir(async (dir) => {
      await writeFile(dir, 'dist/generated-api.ts', 'export const api = 1;\n');
      await writeFile(dir, 'build/out.js', 'x\n');
      assert.deepEqual(await walkedFiles(dir), ['build/out.js']);
      await writeFile(dir, '.quarryignore', '!dist/\nbuild/\n');
      assert.deepEqual(await walkedFiles(dir), ['.quarryignore', 'dist/generated-api.ts']);
    }));

  it('leaves out binary assets and bundles by default, unless a rule file brings them back', () =>
    inTempDir(async (dir) => {
      await writeFiles(dir, {
        'img/logo.png': 'png',
        'img/logo.PNG.ts': 'export const logo = 1;\n',
        'img/LOGO.MIN.JS': 'x',
        'lib/app.min.js': 'x',
        'native/addon.node': 'x',
        'docs.pdf/readme.md': '# a directory named like a binary\n',
      });
      assert.deepEqual(await walkedFiles(dir), ['docs.pdf/readme.md', 'img/LOGO.MIN.JS', 'img/logo.PNG.ts'], 'rules match case as git does on Linux');
      await writeFile(dir, 'img/.gitignore', '!*.png\n');
      await writeFile(dir, '.quarryignore', '!*.min.js\n');
      assert.deepEqual(await walkedFiles(dir), ['.quarryignore', 'docs.pdf/readme.md', 'img/.gitignore', 'img/LOGO.MIN.JS', 'img/logo.PNG.ts', 'img/logo.png', 'lib/app.min.js']);
    }));

  it("applies the user's rules to every folder, below the folder's own files", () =>
    inTempDir(async (dir) => {
      await writeFiles(dir, {
        'src/api.generated.ts': 'export const a = 1;\n',
        'src/api.ts': 'export const b = 1;\n',
        'snapshots/one.txt': 'x\n',
        'keep/kept.generated.ts': 'export const c = 1;\n',
        'keep/.gitignore': '!*.generated.ts\n',
      });
      assert.deepEqual(await walkedFiles(dir, ['*.generated.ts', 'snapshots/']), ['keep/.gitignore', 'keep/kept.generated.ts', 'src/api.ts']);
    }));

  it('walks a directory reached through a second link only once', () =>
    inTempDir(async (dir) => {
      await writeFile(dir, 'real/code.ts', 'export const x = 1;\n');
      await fs.symlink(path.join(dir, 'real'), path.join(dir, 'alias'));
      assert.equal((await walkedFiles(dir)).length, 1);
    }));

  it('records unreadable directories and files and keeps going (run as an unprivileged user)', async () => {
    // Root reads anything, so the walk runs in a child that drops to nobody after loading its code.
    const script = fileURLToPath(new URL('../../../test/support/walk-as-nobody.ts', import.meta.url));
    await fs.chmod(root, 0o755);
    await writeFile(root, 'notes/private.txt', 'secret words\n');
    await fs.chmod(path.join(root, 'notes/private.txt'), 0o000);
    const child = spawnSync(process.execPath, [...process.execArgv, script, root, 'notes/private.txt'], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const { items: walked, processed } = JSON.parse(child.stdout) as { items: WalkItem[]; processed: FileOutcome[] };
    const locked = walked.find((i) => i.relPath === 'locked/');
    assert.equal(locked?.type === 'skip' && locked.reason, 'unreadable');
    assert.ok(walked.some((i) => i.relPath === 'server/main.go'), 'the rest of the tree is still walked');
    assert.equal(processed[0]?.type === 'skipped' && processed[0].reason, 'unreadable');
    assert.match(processed[0]?.type === 'skipped' ? processed[0].detail : '', /EACCES/);
  });
});
