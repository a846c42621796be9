// The uvu runner `make mutation` gives Stryker (test/mutation/uvu-runner.mjs), on a fixture project
// whose module is instrumented by hand (test/mutation/fixtures/lib/sum.ts), so each mutant's fate is
// known: which tests reach it, killed or survived, and no false kill or false survivor from state a
// run leaves behind or from a test that needs the one before it.
import { resolve } from 'node:path'
import { DryRunStatus, MutantRunStatus, TestStatus } from '@stryker-mutator/api/test-runner'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

interface Runner {
  /** Every test of the dry run with its time, which orders a mutant's suites (fastest first). */
  tests: { file: string; ms: number }[]
  init(): Promise<void>
  dryRun(options: { coverageAnalysis: string }): Promise<{
    status: DryRunStatus
    errorMessage?: string
    tests: { id: string; status: TestStatus }[]
    mutantCoverage: { static: Record<string, number>; perTest: Record<string, Record<string, number>> }
  }>
  mutantRun(options: {
    activeMutant: { id: string; fileName: string }
    testFilter?: string[]
    disableBail: boolean
  }): Promise<{ status: MutantRunStatus; killedBy?: string[]; nrOfTests?: number }>
}

const fixture = resolve('test/mutation/fixtures')
const runnerModule = resolve('test/mutation/uvu-runner.mjs')
let runner: Runner
let dry: Awaited<ReturnType<Runner['dryRun']>>

test.before(async () => {
  process.chdir(fixture)
  const { UvuTestRunner } = (await import(runnerModule)) as { UvuTestRunner: new () => Runner }
  runner = new UvuTestRunner()
  await runner.init()
  dry = await runner.dryRun({ coverageAnalysis: 'perTest' })
})

const mutant = (id: string, testFilter?: string[]) =>
  runner.mutantRun({ activeMutant: { id, fileName: resolve(fixture, 'lib/sum.ts') }, testFilter, disableBail: false })
const coveredBy = (id: string) =>
  Object.entries(dry.mutantCoverage.perTest)
    .filter(([, hits]) => id in hits)
    .map(([test]) => test)
    .sort()

test('the dry run runs every test of the modules’ suites, green', () => {
  assert.is(dry.status, DryRunStatus.Complete, dry.errorMessage)
  assert.equal(
    dry.tests.map((t) => t.id),
    [
      'unit/sum › adds',
      'unit/sum › same',
      'unit/sum › limit',
      'unit/sum › remembers',
      'unit/order › first',
      'unit/order › second needs first',
    ],
  )
  assert.ok(dry.tests.every((t) => t.status === TestStatus.Success))
})

test('coverage is per test; what a suite reaches as it loads counts for each of its tests', () => {
  assert.equal(coveredBy('1'), ['unit/order › first', 'unit/sum › adds'])
  assert.equal(coveredBy('2'), ['unit/sum › same'])
  assert.equal(coveredBy('3'), [
    'unit/order › first',
    'unit/order › second needs first',
    'unit/sum › adds',
    'unit/sum › limit',
    'unit/sum › remembers',
    'unit/sum › same',
  ])
  assert.equal(dry.mutantCoverage.static, {}, 'nothing is left static')
})

test('a mutant a test catches is killed by that test', async () => {
  const result = await mutant('1', coveredBy('1'))
  assert.is(result.status, MutantRunStatus.Killed)
  assert.equal(result.killedBy, ['unit/sum › adds'])
})

test('a mutant no test can tell apart survives', async () => {
  assert.is((await mutant('2', coveredBy('2'))).status, MutantRunStatus.Survived)
})

test('a mutant in code that runs at load acts: each run loads fresh modules', async () => {
  const result = await mutant('3', ['unit/sum › limit'])
  assert.is(result.status, MutantRunStatus.Killed)
  assert.equal(result.killedBy, ['unit/sum › limit'])
  assert.is((await mutant('3')).status, MutantRunStatus.Killed, 'with no filter, its module’s suites run')
})

test('state an earlier run left in a module hides no mutant', async () => {
  // The dry run remembered 'secret' in its copy of the module; this run's copy must not know it.
  assert.is((await mutant('4', coveredBy('4'))).status, MutantRunStatus.Killed)
})

test('a test that needs the test before it is run after it, not counted as a kill', async () => {
  const result = await mutant('2', ['unit/order › second needs first'])
  assert.is(result.status, MutantRunStatus.Survived)
  assert.is(result.nrOfTests, 2)
})

test('a run that stops at its first failure still undoes the set-up of every suite it loaded', async () => {
  // unit/sum runs first (fastest) and fails; unit/order, loaded for the same run, never runs a test.
  for (const t of runner.tests) t.ms = t.file === 'unit/order' ? 1000 : 0
  const setUps = () => (globalThis as { fixtureSetUps?: number }).fixtureSetUps
  const before = setUps()
  const result = await mutant('1', ['unit/sum › adds', 'unit/order › first'])
  assert.is(result.status, MutantRunStatus.Killed)
  assert.equal(result.killedBy, ['unit/sum › adds'])
  assert.is(setUps(), before, 'unit/order set up once more than it undid')
})

test('a worker that learns the tests itself (no dry run: Stryker restarted it) undoes the suites’ set-up', async () => {
  const { UvuTestRunner } = (await import(runnerModule)) as { UvuTestRunner: new () => Runner }
  const restarted = new UvuTestRunner()
  await restarted.init()
  const setUps = () => (globalThis as { fixtureSetUps?: number }).fixtureSetUps
  const before = setUps()
  // It loads every suite to list the tests, unit/order among them, then runs unit/sum's test alone.
  const result = await restarted.mutantRun({
    activeMutant: { id: '1', fileName: resolve(fixture, 'lib/sum.ts') },
    testFilter: ['unit/sum › adds'],
    disableBail: false,
  })
  assert.is(result.status, MutantRunStatus.Killed)
  assert.is(setUps(), before, 'unit/order was set up to list its tests and never undone')
})

test.run()
