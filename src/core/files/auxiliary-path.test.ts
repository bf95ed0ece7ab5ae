import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAuxiliaryPath } from './auxiliary-path.js';

describe('isAuxiliaryPath', () => {
  it('knows tests by folder, by suffix and by name', () => {
    for (const path of ['tests/cli.rs', 'src/__tests__/a.ts', 'parser_test.go', 'src/cli.spec.ts', 'walk_tests.rs', 'test.c', 'tests.rs', 'lib/test_parser.py', 'docs/guide.md', 'examples/basic.go']) {
      assert.ok(isAuxiliaryPath(path), path);
    }
  });

  it('knows benchmarks and CI configuration', () => {
    for (const path of ['benches/parse.rs', 'metrics/src/ParseBenchmark.java', 'bench/startup_benchmark.py', '.github/workflows/build.yml', '.circleci/config.yml']) {
      assert.ok(isAuxiliaryPath(path), path);
    }
  });

  it('leaves alone source whose name merely contains "test", and a benchmarking library\'s own source', () => {
    for (const path of ['src/latest.c', 'contest.py', 'src/testing.go', 'attest.rs', 'lib/tester/run.js', 'src/testament.ts', 'src/test_and_set.c', 'src/benchmark.cc']) {
      assert.ok(!isAuxiliaryPath(path), path);
    }
  });
});
