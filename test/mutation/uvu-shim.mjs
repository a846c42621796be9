// What the suites get for `import { test } from 'uvu'` inside a mutation worker (uvu-resolve.mjs
// points them here). It keeps uvu's semantics for what our suites use: `test(name, fn)`,
// `test.before`, `test.after` (and `.each`), `test.only`, `test.skip`, and `test.run()` closing a
// suite; but instead of running a suite, `run()` hands it to uvu-runner.mjs, which runs single
// tests, records which mutants each one reaches, and runs them again per mutant. Plain JavaScript:
// it is loaded beside Stryker, not through tsx.

/** @typedef {{ name: string, handler: (state: object) => unknown }} Test */
/**
 * @typedef {{ file: string, tests: Test[], only: Test[], before: Function[], after: Function[],
 *   bEach: Function[], aEach: Function[], state: object }} Suite
 */

/**
 * Where the suites land: the runner sets `file` before it imports a suite file. One instance: the
 * runner and the resolve hook name this module by the same URL, with no generation (uvu-resolve.mjs).
 */
export const registry = { file: '', suites: /** @type {Suite[]} */ ([]) }

const context = (state) => ({ tests: [], only: [], before: [], after: [], bEach: [], aEach: [], state })

export function suite(_name = '', state = {}) {
  let ctx = context(state)
  const test = (name, handler) => ctx.tests.push({ name, handler })
  test.only = (name, handler) => ctx.only.push({ name, handler })
  test.skip = () => {}
  test.before = (fn) => ctx.before.push(fn)
  test.before.each = (fn) => ctx.bEach.push(fn)
  test.after = (fn) => ctx.after.push(fn)
  test.after.each = (fn) => ctx.aEach.push(fn)
  test.run = () => {
    registry.suites.push({ ...ctx, file: registry.file })
    ctx = context(ctx.state)
  }
  return test
}

export const test = suite()

/** uvu's CLI entry; our runner never calls it, and a suite that does would run outside the runner. */
export function exec() {
  throw new Error('uvu exec() is not available inside a mutation worker')
}
