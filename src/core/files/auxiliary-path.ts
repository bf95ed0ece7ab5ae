/**
 * Tests, specs, fixtures, docs, examples, benchmarks and CI configuration (`.github/`): searchable,
 * but ranked below source and embedded after it. Tests by folder, by suffix (`parser_test.go`,
 * `cli.spec.ts`) or by name (`test.c`, `tests.rs`, pytest's `test_parser.py`); benchmarks by folder
 * (`benches/`) or suffix (`ParseBenchmark.java`, not a benchmarking library's own `benchmark.cc`).
 * One pattern, valid in JavaScript and in DuckDB's RE2.
 */
export const AUXILIARY_PATH_PATTERN =
  '(^|/)(tests?|__tests__|spec|specs|fixtures?|__fixtures__|__mocks__|testdata|test-data|examples?|docs?|benchmarks?|benches|e2e|\\.github|\\.circleci)/|[._-](tests?|spec)\\.[a-z]+$|(^|/)(tests?\\.[a-z]+|test_[^/]+\\.py)$|[^/]benchmarks?\\.[a-z]+$';

const AUXILIARY_PATH = new RegExp(AUXILIARY_PATH_PATTERN, 'i');

export function isAuxiliaryPath(relPath: string): boolean {
  return AUXILIARY_PATH.test(relPath);
}
