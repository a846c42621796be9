// A Stryker test runner for uvu (uvu has none), running the suites inside Stryker's worker process.
// Why not a command per mutant: each one paid a node start, tsx and the suites' imports (0.5-7 s),
// and ran every test of its module. Here the dry run records which tests reach which mutant
// (Stryker's perTest coverage), and a mutant then runs only those tests, stopping at the first
// failure.
//
// - Suites register with uvu-shim.mjs (`uvu` resolves there: uvu-resolve.mjs).
// - Each run imports the suites it needs afresh, as a new generation of the project's modules
//   (uvu-resolve.mjs): no state a run leaves in a module (a registered secret, a cache) can make a
//   later mutant survive or die, and a static mutant (one that acts while modules load) acts.
//   node_modules load once per worker; Stryker restarts a worker after maxTestRunnerReuse runs.
// - A test is one `test(name, fn)`; its suite's before/after hooks run around each group of its
//   tests that runs. What a suite reaches while it loads (module top levels, the suite's own set-up)
//   or in its hooks counts as reached by each of its tests, so few mutants are "static" to Stryker.
// - A mutant's suites run fastest first (dry-run time), so a mutant that dies dies early.
// - A test that fails under a mutant but also fails alone without one (it needs the tests before
//   it) is run again with those tests first, so no mutant is called killed by a test's set-up.
// - A mutant Stryker still calls static runs every test of its module's suites (modules.ts).
// Plain JavaScript: Stryker loads plugins without tsx; the worker registers tsx for the suites.
import { readFileSync } from 'node:fs'
import { register } from 'node:module'
import { relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { INSTRUMENTER_CONSTANTS } from '@stryker-mutator/api/core'
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin'
import { DryRunStatus, determineHitLimitReached, MutantRunStatus, TestStatus } from '@stryker-mutator/api/test-runner'
import { register as registerTsx } from 'tsx/esm/api'
import { registry } from './uvu-shim.mjs'

const { NAMESPACE, ACTIVE_MUTANT_ENV_VARIABLE: ACTIVE_MUTANT_ENV } = INSTRUMENTER_CONSTANTS
/** Coverage keys of what a suite reaches outside its tests, merged into each of its tests. */
const IMPORT = 'import of'
const HOOKS = 'hooks of'
/** How Stryker's instrumenter switches a mutant on in the sandbox's files (mutant schemata). */
const MUTANT_MARKER = /stryMutAct_9fa48\("(\d+)"\)/g

/**
 * The last generation of modules loaded: a module's URL with it is new to Node's module cache,
 * which the whole process shares (every runner in it).
 */
let generation = 0

/** @param {unknown} error */
const describe = (error) => (error instanceof Error ? (error.stack ?? error.message) : String(error))

export class UvuTestRunner {
  constructor() {
    /** Every test of the dry run, in order: its id and the suite file it lives in. */
    this.tests = []
    /** Modules from test/mutation/modules.ts: which suites judge which file. */
    this.modules = []
    /** Test id → whether it passes when run alone (no mutant); filled when first asked. */
    this.alone = new Map()
  }

  capabilities() {
    // Each run loads its own generation of the modules, so a static mutant needs no new worker.
    return { reloadEnvironment: true }
  }

  async init() {
    registerTsx()
    register('./uvu-resolve.mjs', import.meta.url)
    const { modules, fileOf, suiteFile } = await import(pathToFileURL(resolve('test/mutation/modules.ts')).href)
    this.fileOf = fileOf
    this.suiteFile = suiteFile
    // run.ts names the modules of this run (`make mutation M=...`).
    const wanted = (process.env.TM_MUTATION_MODULES ?? '').split(',').filter(Boolean)
    this.modules = wanted.length ? modules.filter((m) => wanted.includes(m.name)) : modules
  }

  get ns() {
    globalThis[NAMESPACE] ??= {}
    return globalThis[NAMESPACE]
  }

  /**
   * Imports the suite files given (short names, as in modules.ts), each as a new generation of the
   * project's modules (as if each ran in a process of its own), and returns
   * their tests with ids that are the same in every generation: file › name, (n) for a repeat.
   */
  async load(files) {
    registry.suites = []
    for (const file of files) {
      registry.file = file
      const url = pathToFileURL(resolve(this.suiteFile(file)))
      url.searchParams.set('tm-gen', String(++generation))
      // What loading reaches (a module's top level, a suite's set-up) counts as reached by each
      // test of the suite: Stryker need not treat it as static and run every test for it.
      this.ns.currentTestId = `${IMPORT} ${file}`
      try {
        await import(url.href)
      } finally {
        this.ns.currentTestId = undefined
      }
    }
    const tests = []
    const seen = new Map()
    for (const suite of registry.suites) {
      for (const [index, test] of (suite.only.length ? suite.only : suite.tests).entries()) {
        const base = `${suite.file} › ${test.name}`
        const n = (seen.get(base) ?? 0) + 1
        seen.set(base, n)
        tests.push({ id: n > 1 ? `${base} (${n})` : base, suite, index })
      }
    }
    return tests
  }

  /** Every suite of the modules in this run; keeps the list of their tests. */
  async loadAll() {
    const loaded = await this.load([...new Set(this.modules.flatMap((m) => m.suites))])
    this.tests = loaded.map(({ id, suite, index }) => ({ id, file: suite.file, index, ms: 0 }))
    return loaded
  }

  /** Loads a new generation of the suites that hold these test ids; returns those tests, in order. */
  async fresh(ids) {
    const wanted = new Set(ids)
    const ms = new Map()
    for (const t of this.tests.filter((t) => wanted.has(t.id))) ms.set(t.file, (ms.get(t.file) ?? 0) + t.ms)
    const files = [...ms.keys()].sort((a, b) => ms.get(a) - ms.get(b))
    return (await this.load(files)).filter((t) => wanted.has(t.id))
  }

  /**
   * Runs the tests given, each suite's hooks around its group, in load order. Returns the first
   * failure (or every failure with `all`), and how many tests ran.
   */
  async run(tests, { all = false, onTest } = {}) {
    const failures = []
    let ran = 0
    const groups = []
    for (const test of tests) {
      const last = groups.at(-1)
      if (last && last.suite === test.suite) last.tests.push(test)
      else groups.push({ suite: test.suite, tests: [test] })
    }
    // After a first failure (no `all`), the groups left run only their after hooks: their suites
    // were loaded, and a suite's set-up (a temp folder made at its top level) is undone there.
    let bailed = false
    for (const { suite, tests: group } of groups) {
      const state = suite.state
      const hooks = `${HOOKS} ${suite.file}`
      if (bailed) {
        await this.after(suite, group[0], failures)
        continue
      }
      try {
        this.ns.currentTestId = hooks
        for (const hook of suite.before) await hook(state)
        for (const test of group) {
          const spec = (suite.only.length ? suite.only : suite.tests)[test.index]
          const started = performance.now()
          this.ns.currentTestId = test.id
          let failure
          try {
            for (const hook of suite.bEach) await hook(state)
            await spec.handler(state)
          } catch (error) {
            failure = describe(error)
          } finally {
            for (const hook of suite.aEach) await hook(state)
          }
          ran++
          onTest?.(test, failure, performance.now() - started)
          if (failure) {
            failures.push({ test, message: failure })
            if (!all) {
              bailed = true
              break
            }
          }
        }
      } catch (error) {
        // A before hook failed: every test of the group counts as failed by it.
        failures.push({ test: group[0], message: `${hooks}: ${describe(error)}` })
        bailed = !all
      } finally {
        await this.after(suite, group[0], failures)
      }
    }
    return { failures, ran }
  }

  /** A suite's after hooks; a hook that throws fails the group's first test. */
  async after(suite, first, failures) {
    const hooks = `${HOOKS} ${suite.file}`
    this.ns.currentTestId = hooks
    for (const hook of suite.after) {
      try {
        await hook(suite.state)
      } catch (error) {
        failures.push({ test: first, message: `${hooks}: ${describe(error)}` })
      }
    }
    this.ns.currentTestId = undefined
  }

  async dryRun({ coverageAnalysis }) {
    try {
      this.ns.activeMutant = undefined
      this.ns.mutantCoverage = { static: {}, perTest: {} }
      const loaded = await this.loadAll()
      const results = []
      const { failures } = await this.run(loaded, {
        all: true,
        onTest: (test, failure, ms) => {
          this.tests.find((t) => t.id === test.id).ms = ms
          results.push(
            failure
              ? { id: test.id, name: test.id, status: TestStatus.Failed, failureMessage: failure, timeSpentMs: ms }
              : { id: test.id, name: test.id, status: TestStatus.Success, timeSpentMs: ms },
          )
        },
      })
      // A hook that fails fails no test by name, and every mutant would be killed by it.
      const hookFailure = failures.find((f) => f.message.startsWith(HOOKS))
      if (hookFailure) return { status: DryRunStatus.Error, errorMessage: hookFailure.message }
      const coverage = this.ns.mutantCoverage
      // What a suite's loading and hooks reached, each of its tests reached.
      for (const [key, hit] of Object.entries(coverage.perTest)) {
        const [, file] = key.match(new RegExp(`^(?:${IMPORT}|${HOOKS}) (.+)$`)) ?? []
        if (!file) continue
        for (const test of this.tests.filter((t) => t.file === file)) {
          coverage.perTest[test.id] = { ...hit, ...coverage.perTest[test.id] }
        }
        delete coverage.perTest[key]
      }
      this.coverChildProcesses(coverage)
      return {
        status: DryRunStatus.Complete,
        tests: results,
        mutantCoverage: coverageAnalysis === 'off' ? undefined : coverage,
      }
    } catch (error) {
      return { status: DryRunStatus.Error, errorMessage: describe(error) }
    } finally {
      this.ns.currentTestId = undefined
    }
  }

  /**
   * A mutant no test reached in this process may still be reached in a child process a test starts
   * (unit/cli runs steps that way; the child finds the mutant in the environment). Stryker would
   * call it NoCoverage and never run it: it counts as reached by every test of its module's suites.
   */
  coverChildProcesses(coverage) {
    const reached = new Set([
      ...Object.keys(coverage.static),
      ...Object.values(coverage.perTest).flatMap((hits) => Object.keys(hits)),
    ])
    for (const m of this.modules) {
      const ids = m.mutate
        .map(this.fileOf)
        .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(MUTANT_MARKER)].map((match) => match[1]))
        .filter((id) => !reached.has(id))
      if (!ids.length) continue
      const unreached = Object.fromEntries(ids.map((id) => [id, 1]))
      for (const test of this.tests.filter((t) => m.suites.includes(t.file))) {
        coverage.perTest[test.id] = { ...unreached, ...coverage.perTest[test.id] }
      }
    }
  }

  /** The tests a static mutant runs: every test of the module that owns its file. */
  ownTests(fileName) {
    const file = relative(process.cwd(), fileName)
    const owner = this.modules.find((m) => m.mutate.some((entry) => this.fileOf(entry) === file))
    return owner ? this.tests.filter((t) => owner.suites.includes(t.file)) : this.tests
  }

  /** Whether a test passes with no mutant when run alone (fresh modules, its suite's hooks around it). */
  async passesAlone(id) {
    if (!this.alone.has(id)) {
      const active = this.ns.activeMutant
      this.ns.activeMutant = undefined
      const { failures } = await this.run(await this.fresh([id]))
      this.ns.activeMutant = active
      this.alone.set(id, failures.length === 0)
    }
    return this.alone.get(id)
  }

  /** An endless loop under the mutant, caught by Stryker's hit counter in the instrumented code. */
  hitLimitReached() {
    return determineHitLimitReached(this.ns.hitCount, this.ns.hitLimit)
  }

  async mutantRun({ activeMutant, testFilter, disableBail, hitLimit }) {
    const ns = this.ns
    ns.hitLimit = hitLimit
    ns.hitCount = hitLimit === undefined ? undefined : 0
    // Active before the modules load, so a static mutant acts; a test's child process finds it in
    // the environment.
    ns.activeMutant = activeMutant.id
    process.env[ACTIVE_MUTANT_ENV] = activeMutant.id
    try {
      // Stryker runs the dry run in one worker; another, or one it restarted, learns the tests here.
      if (!this.tests.length) {
        ns.activeMutant = undefined
        const loaded = await this.loadAll()
        // Loaded only to list the tests: each suite's set-up at load (a temp folder) is undone.
        for (const suite of new Set(loaded.map((t) => t.suite))) await this.after(suite, loaded[0], [])
        ns.activeMutant = activeMutant.id
      }
      const ids = testFilter ?? this.ownTests(activeMutant.fileName).map((t) => t.id)
      let { failures, ran } = await this.run(await this.fresh(ids), { all: disableBail })
      // A failure of a test that needs the tests before it: run it again after them, mutant on.
      const first = failures[0]?.test
      if (first && !this.hitLimitReached() && !(await this.passesAlone(first.id))) {
        const before = this.tests.filter((t) => t.file === first.suite.file && t.index <= first.index)
        ;({ failures, ran } = await this.run(await this.fresh(before.map((t) => t.id)), { all: disableBail }))
      }
      const timeout = this.hitLimitReached()
      if (timeout) return { status: MutantRunStatus.Timeout, reason: timeout.reason }
      if (!failures.length) return { status: MutantRunStatus.Survived, nrOfTests: ran }
      return {
        status: MutantRunStatus.Killed,
        killedBy: failures.map((f) => f.test.id),
        failureMessage: failures[0].message,
        nrOfTests: ran,
      }
    } catch (error) {
      return { status: MutantRunStatus.Error, errorMessage: describe(error) }
    } finally {
      ns.activeMutant = undefined
      delete process.env[ACTIVE_MUTANT_ENV]
      process.exitCode = undefined
    }
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, 'uvu', UvuTestRunner)]
