// What `make mutation` mutates, and which suites judge each file. The runner (uvu-runner.mjs) loads
// the suites of the selected modules; a mutant runs the tests that reach it, and one that acts
// while modules load runs its own module's suites. A file a suite does not cover is not listed:
// its mutants would all survive and say nothing new.

export interface MutationModule {
  /** The name `make mutation M=<name>` selects and the score table prints. */
  name: string
  /** Files to mutate; `file:from-to` mutates only those lines (Stryker's syntax). */
  mutate: string[]
  /** Suites under test/ that cover these files (short names: `unit/mask` is test/unit/mask.test.ts). */
  suites: string[]
}

export const modules: MutationModule[] = [
  {
    name: 'step',
    mutate: ['scripts/lib/step/cli.ts', 'scripts/lib/step/fail.ts', 'scripts/lib/step/poll.ts'],
    suites: ['unit/poll', 'unit/cli', 'unit/step-runner'],
  },
  { name: 'mask', mutate: ['scripts/lib/output/mask.ts'], suites: ['unit/mask', 'unit/log'] },
  { name: 'secrets', mutate: ['scripts/lib/state/secrets.ts'], suites: ['unit/secrets'] },
  { name: 'config', mutate: ['scripts/lib/step/config.ts'], suites: ['unit/config'] },
  { name: 'registry-auth', mutate: ['scripts/lib/engine/registry-auth.ts'], suites: ['unit/registry-auth'] },
  // The pull settings (flag, environment, default); the rest of the pull streams from an engine.
  { name: 'pull-settings', mutate: ['scripts/lib/engine/pull-settings.ts'], suites: ['unit/pull'] },
  { name: 'load-run', mutate: ['scripts/lib/triton/load-run.ts'], suites: ['unit/load-run'] },
  {
    name: 'metrics',
    mutate: ['scripts/lib/triton/metrics.ts'],
    suites: ['unit/report-panels', 'unit/dashboard', 'unit/prometheus-rules'],
  },
  {
    name: 'prometheus',
    mutate: ['prometheus/config.ts', 'prometheus/rules.ts', 'prometheus/alert-timing.ts', 'prometheus/defaults.ts'],
    suites: ['unit/alert-timing', 'unit/prometheus-rules'],
  },
  {
    name: 'alertmanager',
    mutate: ['prometheus/alertmanager.ts'],
    suites: ['unit/alert-timing', 'unit/alertmanager-config'],
  },
  {
    name: 'dashboard',
    mutate: [
      'dashboards/triton.ts',
      ...[
        'variables',
        'panels',
        'overview',
        'alerts',
        'replicas',
        'throughput',
        'errors',
        'latency',
        'gpu',
        'host',
      ].map((row) => `dashboards/triton/${row}.ts`),
    ],
    suites: ['unit/report-panels', 'unit/dashboard'],
  },
  { name: 'kubernetes', mutate: ['kubernetes/manifests.ts', 'kubernetes/render.ts'], suites: ['unit/kubernetes'] },
  // The release flow's pure parts: names, tags, token, API root, notes merge. The HTTP flow is judged
  // only by steps/publish (two minutes a run), too slow for a mutant each: see test/README.md.
  {
    name: 'github-release',
    mutate: [
      'scripts/lib/github/repository.ts:17-56',
      'scripts/lib/github/repository.ts:93-126',
      'scripts/lib/github/errors.ts:26-29',
      'scripts/lib/github/tag.ts',
      'scripts/lib/github/release-notes.ts:61-67',
    ],
    suites: ['unit/github-release'],
  },
]

/** A `mutate` entry without its line range. */
export const fileOf = (entry: string) => entry.replace(/:\d+-\d+$/, '')

/** The suite's file, from its short name. */
export const suiteFile = (suite: string) => `test/${suite}.test.ts`
