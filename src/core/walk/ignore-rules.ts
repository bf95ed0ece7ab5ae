import ignore, { type Ignore } from 'ignore';

/**
 * What a code search index leaves out unless a .gitignore or .quarryignore re-includes it:
 * VCS metadata, dependencies, build output, lock files, bundles and binary assets.
 */
export const DEFAULT_IGNORE_RULES: readonly string[] = [
  '.git/', '.hg/', '.svn/', '.jj/',
  'node_modules/', 'bower_components/', 'jspm_packages/',
  '.venv/', 'venv/', '__pycache__/', '.pytest_cache/', '.mypy_cache/', '.tox/', '*.egg-info/',
  'dist/', 'out/', 'target/', '.next/', '.nuxt/', '.turbo/', '.cache/', '.parcel-cache/',
  'coverage/', '.nyc_output/', '.gradle/', '.idea/', '.vscode/',
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock',
  'Cargo.lock', 'poetry.lock', 'Pipfile.lock', 'composer.lock', 'Gemfile.lock', 'go.sum', 'flake.lock',
  '*.min.js', '*.min.mjs', '*.min.css', '*.map', '*.bundle.js',
  '*.png', '*.jpg', '*.jpeg', '*.gif', '*.webp', '*.ico', '*.bmp', '*.tiff', '*.psd',
  '*.pdf', '*.zip', '*.gz', '*.tgz', '*.bz2', '*.xz', '*.7z', '*.rar', '*.jar', '*.war',
  '*.woff', '*.woff2', '*.ttf', '*.otf', '*.eot',
  '*.mp3', '*.mp4', '*.wav', '*.ogg', '*.webm', '*.mov', '*.avi',
  '*.exe', '*.dll', '*.so', '*.dylib', '*.a', '*.o', '*.obj', '*.class', '*.pyc', '*.wasm', '*.node',
  '*.sqlite', '*.db', '*.duckdb', '*.duckdb.wal',
  '.DS_Store', 'Thumbs.db',
];

/** Names of per-directory rule files, later ones taking precedence within a directory. */
export const IGNORE_FILE_NAMES = ['.gitignore', '.quarryignore'] as const;

interface Layer {
  /** Directory the rules are relative to: '' for the root, else 'a/b/'. */
  base: string;
  rules: Ignore;
}

/**
 * Git's precedence: rules in a deeper directory beat those above it, and within one directory the
 * last matching rule wins, negations included. Layers are immutable so sibling directories share parents.
 */
export class IgnoreRules {
  private constructor(private readonly layers: readonly Layer[]) {}

  static root(ruleSets: ReadonlyArray<readonly string[] | string>): IgnoreRules {
    const rules = ignore({ ignorecase: false });
    for (const set of ruleSets) rules.add(set as string | string[]);
    return new IgnoreRules([{ base: '', rules }]);
  }

  /** Adds the rule files' text found in directory `base` ('a/b/'). */
  withDirectory(base: string, fileContents: readonly string[]): IgnoreRules {
    if (fileContents.length === 0) return this;
    const rules = ignore({ ignorecase: false });
    for (const text of fileContents) rules.add(text);
    return new IgnoreRules([...this.layers, { base, rules }]);
  }

  isIgnored(relPath: string, isDirectory: boolean): boolean {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      if (!relPath.startsWith(layer.base)) continue;
      const local = relPath.slice(layer.base.length);
      const verdict = layer.rules.test(local + (isDirectory ? '/' : ''));
      if (verdict.ignored) {
        // `ignore` also answers through parent directories. The walk only asks about entries of
        // directories it entered, so if this layer ignores the parent, a deeper layer re-included
        // it (`!dist/`) and this layer has no say over what is inside.
        const parent = local.slice(0, local.lastIndexOf('/') + 1);
        if (parent !== '' && layer.rules.test(parent).ignored) continue;
        return true;
      }
      if (verdict.unignored) return false;
    }
    return false;
  }
}
