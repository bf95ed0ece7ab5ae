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
  '*.duckdb.wal', '.DS_Store', 'Thumbs.db',
  // The engine's watcher cookies (see src/core/indexing/watch.ts), which live a moment in a folder's root.
  '.quarry-cookie-*',
];

/**
 * Extensions of binary files, also left out by default: looked up in a set, as testing each file
 * against some fifty `*.png`-like patterns took most of the walk's time. Unlike such a pattern,
 * this never leaves out a directory.
 */
export const DEFAULT_BINARY_EXTENSIONS: ReadonlySet<string> = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'webp', 'ico', 'bmp', 'tiff', 'psd',
  'pdf', 'zip', 'gz', 'tgz', 'bz2', 'xz', '7z', 'rar', 'jar', 'war',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp3', 'mp4', 'wav', 'ogg', 'webm', 'mov', 'avi',
  'exe', 'dll', 'so', 'dylib', 'a', 'o', 'obj', 'class', 'pyc', 'wasm', 'node',
  'sqlite', 'db', 'duckdb',
]);

/** Names of per-directory rule files, later ones taking precedence within a directory. */
export const IGNORE_FILE_NAMES = ['.gitignore', '.quarryignore'] as const;

interface Layer {
  /** Directory the rules are relative to: '' for the root, else 'a/b/'. */
  base: string;
  rules: Ignore;
}

/**
 * Git's precedence: rules in a deeper directory beat those above it, and within one directory the
 * last matching rule wins, negations included. Layers are immutable so sibling directories share
 * parents. The defaults lie under every layer, so any rule file or user rule can override them.
 */
export class IgnoreRules {
  private constructor(
    private readonly defaults: Defaults,
    private readonly layers: readonly Layer[],
  ) {}

  /** The defaults, then these rule sets (the user's, .git/info/exclude) for a root. */
  static root(ruleSets: ReadonlyArray<readonly string[] | string>): IgnoreRules {
    return new IgnoreRules(new Defaults(), []).withDirectory('', ruleSets);
  }

  /** Adds the rules found in directory `base` ('a/b/'): rule files' text, or lists of rules. */
  withDirectory(base: string, ruleSets: ReadonlyArray<readonly string[] | string>): IgnoreRules {
    // An empty layer would still cost a test of every path below it.
    const lines = ruleSets.flatMap((set) => (typeof set === 'string' ? set.split(/\r?\n/) : set));
    if (!lines.some((line) => line.trim() !== '' && !line.startsWith('#'))) return this;
    return new IgnoreRules(this.defaults, [...this.layers, { base, rules: ignore({ ignorecase: false }).add(lines) }]);
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
    return this.defaults.ignores(relPath, isDirectory);
  }
}

/** The default rules, split by what each can match, so that a file is tested against few. */
class Defaults {
  /** Rules with a trailing slash, which only directories match. */
  private readonly directoryRules = ignore({ ignorecase: false }).add(DEFAULT_IGNORE_RULES.filter((rule) => rule.endsWith('/')));
  private readonly otherRules = ignore({ ignorecase: false }).add(DEFAULT_IGNORE_RULES.filter((rule) => !rule.endsWith('/')));

  ignores(relPath: string, isDirectory: boolean): boolean {
    if (isDirectory) return this.directoryRules.ignores(`${relPath}/`) || this.otherRules.ignores(relPath);
    const dot = relPath.lastIndexOf('.');
    if (dot > relPath.lastIndexOf('/') && DEFAULT_BINARY_EXTENSIONS.has(relPath.slice(dot + 1))) return true;
    return this.otherRules.ignores(relPath);
  }
}
