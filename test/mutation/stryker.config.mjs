// Stryker's options for `make mutation`. test/mutation/run.ts adds `mutate` (from modules.ts) and the
// concurrency, and runs Stryker once over every selected module. Mutants judged equivalent (no test
// can tell them apart from the original) are listed, with why, in equivalent-mutants.md beside this file.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // uvu has no Stryker runner: each mutant runs a command, which picks the suites of its file.
  testRunner: 'command',
  commandRunner: { command: 'node --import tsx test/mutation/suites-for-mutant.ts' },
  coverageAnalysis: 'off',
  // A mutant that does not type-check is no bug anyone could ship (`make lint` runs tsc): not run.
  checkers: ['typescript'],
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  plugins: ['@stryker-mutator/typescript-checker', './test/mutation/ignore-messages.mjs'],
  ignorers: ['messages'],
  reporters: ['html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', '.state', 'reports', 'report', 'test/artifacts', 'docs', '.tmp'],
  // suites-for-mutant.ts stops a suite that runs past 3× its measured time; this is only a backstop.
  timeoutMS: 300_000,
  disableTypeChecks: false,
  logLevel: 'info',
  fileLogLevel: 'off',
}
