/**
 * Tests, specs, fixtures, docs, examples and benchmarks: searchable, but ranked below source and
 * embedded after it. Tests by folder, by suffix (`parser_test.go`, `cli.spec.ts`) or by name
 * (`test.c`, `tests.rs`, pytest's `test_parser.py`). One pattern, valid in JavaScript and in DuckDB's RE2.
 */
export const AUXILIARY_PATH_PATTERN =
  '(^|/)(tests?|__tests__|spec|specs|fixtures?|__fixtures__|__mocks__|testdata|test-data|examples?|docs?|benchmarks?|e2e)/|[._-](tests?|spec)\\.[a-z]+$|(^|/)(tests?\\.[a-z]+|test_[^/]+)$';

const AUXILIARY_PATH = new RegExp(AUXILIARY_PATH_PATTERN, 'i');

export function isAuxiliaryPath(relPath: string): boolean {
  return AUXILIARY_PATH.test(relPath);
}
