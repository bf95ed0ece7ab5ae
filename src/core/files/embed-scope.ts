import type { LeftOutReason } from '../../shared/types.js';

/**
 * Files the transformer tier leaves to the fast tier: cheap to cover with a static model, rarely
 * what a question is about, and often most of a repository's chunks (babel's test fixtures are).
 * One pattern per reason, each valid in JavaScript and in DuckDB's RE2, matched case-insensitively
 * against the folder-relative path. Minified files never get this far: they are skipped unread.
 */
export const LEFT_OUT_PATTERNS: Readonly<Record<LeftOutReason, string>> = {
  vendored: '(^|/)(vendor|vendors|third[_-]party|bower_components)/',
  generated: '(^|/)(dist|generated|__generated__)/|\\.(min|bundle)\\.(js|mjs|css)$|\\.pb\\.go$|_pb2\\.py$|\\.generated\\.[a-z]+$|\\.g\\.dart$',
  fixture: '(^|/)(fixtures?|__fixtures__|testdata|test-data|__snapshots__)/|\\.snap$',
};

/** Any of the reasons: what the transformer tier's selection of texts excludes. */
export const LEFT_OUT_PATTERN = Object.values(LEFT_OUT_PATTERNS).map((pattern) => `(${pattern})`).join('|');

const MATCHERS = Object.entries(LEFT_OUT_PATTERNS).map(([reason, pattern]) => ({ reason: reason as LeftOutReason, regex: new RegExp(pattern, 'i') }));

/** Why the transformer tier leaves a file to the fast tier, or null when it embeds it. */
export function leftOutReason(relPath: string): LeftOutReason | null {
  return MATCHERS.find((m) => m.regex.test(relPath))?.reason ?? null;
}
