// Stryker's options for `make mutation`. test/mutation/run.ts adds `mutate` (from modules.ts) and the
// concurrency, and runs Stryker once over every selected module. Mutants judged equivalent (no test
// can tell them apart from the original) are listed, with why, in equivalent-mutants.md beside this file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // uvu has no Stryker runner: uvu-runner.mjs runs the suites in Stryker's workers, and each mutant
  // runs only the tests that reach it (perTest coverage, recorded in the dry run).
  testRunner: 'uvu',
  coverageAnalysis: 'perTest',
  // Each mutant loads its own copy of the project's modules into the worker; a new worker now and
  // then gives that memory back.
  maxTestRunnerReuse: 100,
  // A mutant that does not type-check is no bug anyone could ship (`make lint` runs tsc): not run.
  // tsc-checker.mjs parses the project once, where Stryker's own checker parsed it for each mutant.
  checkers: ['tsc'],
  plugins: ['./test/mutation/tsc-checker.mjs', './test/mutation/ignore-messages.mjs', './test/mutation/uvu-runner.mjs'],
  ignorers: ['messages'],
  reporters: ['html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Anchored: a bare 'report' would also leave out scripts/lib/report/.
  ignorePatterns: ['/dist', '/.state', '/reports', '/report', '/test/artifacts', '/docs', '/.tmp'],
  // A mutant's deadline is its tests' time in the dry run times timeoutFactor, plus this.
  timeoutMS: 10_000,
  disableTypeChecks: false,
  logLevel: 'info',
  fileLogLevel: 'off',
}
