import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLE_REPO = fileURLToPath(new URL('../fixtures/sample-repo', import.meta.url));

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'quarry-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    cleanup: async () => {
      await fs.chmod(path.join(dir), 0o755).catch(() => undefined);
      await makeTreeWritable(dir);
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function makeTreeWritable(dir: string): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) {
      const child = path.join(dir, entry.name);
      await fs.chmod(child, 0o755).catch(() => undefined);
      await makeTreeWritable(child);
    }
  }
}

export async function copySampleRepo(dest: string): Promise<string> {
  await fs.cp(SAMPLE_REPO, dest, { recursive: true });
  return dest;
}

/** A small HTTP client whose docs explain its behaviour in prose and name the code that does it. */
export const DOCS_FIRST_REPO = fileURLToPath(new URL('../fixtures/docs-first-repo', import.meta.url));

export async function copyDocsFirstRepo(dest: string): Promise<string> {
  await fs.cp(DOCS_FIRST_REPO, dest, { recursive: true });
  return dest;
}

export async function writeFile(root: string, rel: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(root, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

/** Writes each file of `files` (relative path → content) under `root`. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) await writeFile(root, rel, content);
}

/**
 * The cases real disks are full of: binary, oversized and minified files, bad encodings, CRLF,
 * a symlink loop, an unreadable directory, and ignore files at several levels with negation.
 */
export async function addNastyFiles(root: string): Promise<void> {
  await writeFile(root, 'assets/blob.bin', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 0xff]));
  await writeFile(root, 'vendor/huge-bundle.js', `var a=${'1+'.repeat(1_500_000)}1;`); // 3 MB on one line
  await writeFile(root, 'static/app.js', `!function(){${'var x=1;'.repeat(20_000)}}();\n`); // minified, under the size cap
  await writeFile(root, 'legacy/latin1.txt', Uint8Array.from([...Buffer.from('caf'), 0xe9, 0x20, 0xff, 0xfe, 0x0a]));
  const utf16 = Buffer.from('\ufefffunction utf16EncodedFunction() {\n  return "wide";\n}\n', 'utf16le');
  await writeFile(root, 'legacy/wide.js', utf16);
  await writeFile(root, 'scripts/crlf_script.py', 'import sys\r\n\r\n\r\ndef crlf_line_endings_function():\r\n    return sys.argv\r\n');
  await fs.mkdir(path.join(root, 'loop'), { recursive: true });
  await fs.symlink('..', path.join(root, 'loop', 'back-to-root'));
  await writeFile(root, 'locked/hidden_secret.ts', 'export const lockedAwayConstant = 1;\n');
  await fs.chmod(path.join(root, 'locked'), 0o000);
  // Ignore rules: root ignores logs and generated/, a nested file re-includes one log.
  await writeFile(root, '.gitignore', '*.log\ngenerated/\n');
  await writeFile(root, 'logs/.gitignore', '!keep.log\n');
  await writeFile(root, 'logs/keep.log', 'kept_log_line marker\n');
  await writeFile(root, 'logs/drop.log', 'dropped_log_line marker\n');
  await writeFile(root, 'generated/out.ts', 'export const generatedThing = 1;\n');
  await writeFile(root, '.quarryignore', 'private/\n');
  await writeFile(root, 'private/notes.md', 'private_notes_marker\n');
  await writeFile(root, '.git/info/exclude', 'local-only.txt\n');
  await writeFile(root, '.git/HEAD', 'ref: refs/heads/main\n');
  await writeFile(root, '.git/refs/heads/main', '0123456789abcdef0123456789abcdef01234567\n');
  await writeFile(root, 'local-only.txt', 'local_only_marker\n');
  await writeFile(root, 'node_modules/dep/index.js', 'module.exports = function dependencyCode() {};\n');
  await writeFile(root, 'package-lock.json', '{"lockfileVersion": 3}\n');
}

